"""What a search can be narrowed by, shared by the search service and its PostgreSQL walk."""

from __future__ import annotations

from dataclasses import dataclass

from bot.search.tokens import band_of, prefix_range

BRANCH = " > "  # between the levels of a category path


@dataclass(frozen=True, slots=True)
class Filters:
    in_stock_only: bool = False
    marketplace: str | None = None
    min_price_minor: int | None = None  # in the catalog's currency (CNY)
    max_price_minor: int | None = None
    category: str | None = None  # a category path ("女装 > 连衣裙") or a branch of it ("女装")

    @property
    def priced(self) -> bool:
        """Whether a price range is asked (either end)."""
        return self.min_price_minor is not None or self.max_price_minor is not None

    @property
    def band(self) -> str | None:
        """The price band token (bot/search/tokens.py) of the whole range asked, if one."""
        return band_of(self.min_price_minor, self.max_price_minor) if self.priced else None

    @property
    def subcategories(self) -> tuple[str, str] | None:
        """The range of paths below `category` ("女装 > " up to its last continuation): an
        index range, not a LIKE."""
        if not self.category:
            return None
        return prefix_range(self.category + BRANCH)
