"""What a results message shows (page, order, filters), carried in its buttons' callback data.

The query itself is not in the buttons: it is the text of the message the results reply to, so
a button stays valid as long as that message exists and never needs server-side state.

    sr:<page>:<sort>:<stock>:<store>:<price>[:<category>]   show results (store "-" = any,
                                                             price 0 = any)
    sf:<what>:<page>:<sort>:<stock>:<store>:<price>[:<category>]   open the price (p) or
                                                             store (m) choices

Browsing a category, the results have no query: the category's key (bot/services/categories.py)
names what is shown. Older buttons without store and price still work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from bot.i18n import Translator
from bot.search.engine import Sort
from bot.search.filters import Filters
from bot.services.fx import Table
from handlers.keyboards import callback

_TAIL = (
    r"(?P<page>\d{1,3}):(?P<sort>[rpdn]):(?P<stock>[01])"
    r"(?::(?P<store>[a-z0-9]{1,16}|-):(?P<price>\d)(?::(?P<category>[0-9a-f]{8}))?)?$"
)
RESULTS = r"^sr:" + _TAIL
FILTER_MENU = r"^sf:(?P<what>[pm]):" + _TAIL

CATALOG_CURRENCY = "CNY"
# Price ranges offered, in CNY (what Chinese marketplaces charge): (from, below), None = open.
PRICES: tuple[tuple[int | None, int | None], ...] = (
    (None, None),
    (None, 50),
    (50, 200),
    (200, 1000),
    (1000, None),
)


@dataclass(frozen=True, slots=True)
class View:
    page: int = 0
    sort: Sort = Sort.RELEVANCE
    in_stock: bool = False
    store: str | None = None  # a marketplace name
    price: int = 0  # an index into PRICES
    category: str | None = None  # the key of the category browsed (no query then)

    @classmethod
    def of(cls, match: Any) -> View | None:
        """The view a button's callback data names; None for a price range we don't offer."""
        price = int(match["price"] or 0)
        if price >= len(PRICES):
            return None
        store = match["store"]
        return cls(
            page=int(match["page"]),
            sort=Sort(match["sort"]),
            in_stock=match["stock"] == "1",
            store=None if store in (None, "-") else store,
            price=price,
            category=match["category"],
        )

    def with_(self, **changes: Any) -> View:
        return replace(self, **changes)

    def data(self, prefix: str = "sr", *extra: str) -> str:
        """Callback data showing this view (or, with prefix "sf", one of its choice menus)."""
        fields: list[str | int] = [
            self.page, self.sort, int(self.in_stock), self.store or "-", self.price
        ]  # fmt: skip
        return callback(prefix, *extra, *fields, *([self.category] if self.category else []))

    @property
    def filtered(self) -> bool:
        """Whether a store or price filter narrows the results (stock has its own toggle)."""
        return self.store is not None or self.price != 0

    def filters(self, category: str | None = None) -> Filters:
        """The search filters of this view; `category`: the path its category key names."""
        low, below = PRICES[self.price]
        return Filters(
            in_stock_only=self.in_stock,
            marketplace=self.store,
            min_price_minor=None if low is None else low * 100,
            max_price_minor=None if below is None else below * 100 - 1,
            category=category,
        )


def price_label(t: Translator, index: int, target: str, rates: Table | None) -> str:
    """`under CN¥50 (≈ US$7)`, `CN¥50–200 (≈ US$7–28)`, `over CN¥1,000 (≈ US$139)`."""
    low, below = PRICES[index]
    if low is None and below is None:
        return t.gettext("Any price")
    bounds = (low, below)
    theirs: list[Decimal | None] = []
    if rates is not None and target != CATALOG_CURRENCY:
        theirs = [None if v is None else rates.convert(Decimal(v), CATALOG_CURRENCY, target)
                  for v in bounds]  # fmt: skip
        if any(c is None and v is not None for c, v in zip(theirs, bounds, strict=True)):
            theirs = []  # no rate for their currency
    own = _amounts(t, bounds, CATALOG_CURRENCY)
    if theirs:
        own += f" (≈ {_amounts(t, theirs, target)})"
    if low is None:
        return t.format("under {price}", price=own)
    if below is None:
        return t.format("over {price}", price=own)
    return own


def _amounts(t: Translator, bounds: Sequence[Decimal | int | None], currency: str) -> str:
    """The one bound of an open range, or `CN¥50–200` for a closed one."""
    low, below = bounds
    if low is None or below is None:
        return t.money_whole(low if below is None else below, currency)  # type: ignore[arg-type]
    return f"{t.money_whole(low, currency)}–{t.number(round(Decimal(below)))}"
