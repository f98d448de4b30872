"""Products as shoppers see them: found by a search, opened by id, in their language.

`Product` and `Sku` here are what the chat shows, read from the catalog (never a provider's
record): the stored id, the marketplace's display name and the title's stored translation come
with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot import models
from bot.search import engine
from bot.search.engine import Results, Sort
from bot.search.filters import Filters
from bot.services import titles, words
from bot.services.catalog import from_minor
from integrations import registry
from integrations.errors import NotFound
from integrations.marketplaces.affiliate import affiliate_url
from integrations.types import Availability

NO_FILTERS = Filters()
MAX_ID = 2**63 - 1  # the largest id either database stores


@dataclass(frozen=True, slots=True)
class Sku:
    """One variant: its list price, the promotion's price while it runs, stock, attributes."""

    external_id: str
    price: Decimal
    currency: str
    in_stock: bool = True
    attributes: Mapping[str, str] = field(default_factory=dict)
    promo_price: Decimal | None = None
    promo_starts_at: datetime | None = None
    promo_ends_at: datetime | None = None
    id: int = 0  # the stored SKU's id (what a cart line names)

    def price_at(self, at: datetime) -> Decimal:
        """What it costs at `at`: the promotion's price inside its window, else the list price."""
        if self.promo_price is not None and (
            (self.promo_starts_at is None or self.promo_starts_at <= at)
            and (self.promo_ends_at is None or at < self.promo_ends_at)
        ):
            return self.promo_price
        return self.price


@dataclass(frozen=True, slots=True)
class Product:
    """A stored product with its available variants, as its card shows it."""

    id: int
    marketplace: str
    marketplace_title: str  # "Taobao / Tmall"
    title: str
    skus: tuple[Sku, ...]
    url: str | None = None
    image_url: str | None = None
    translated: str | None = None  # the title's stored translation into the shopper's language
    words: Mapping[str, str] = field(default_factory=dict)  # variant values' stored translations

    @property
    def vocabulary(self) -> set[str]:
        """The variant values its card shows (what `words` translates)."""
        return {v for sku in self.skus for v in sku.attributes.values() if v}


def marketplace_title(marketplace: str) -> str:
    """How a marketplace is named to shoppers ("Taobao / Tmall"); the name itself if unknown."""
    try:
        return registry.adapter_class(marketplace).manifest.title
    except NotFound:
        return marketplace


async def load(session: AsyncSession, product_id: int, language: str) -> Product | None:
    """The product with its available SKUs and offers, its title translated into `language`
    when a translation is stored; None when there is no such product."""
    if not 0 < product_id <= MAX_ID:
        return None  # not an id any database gave (SQLite refuses to look it up)
    row = await session.get(
        models.Product,
        product_id,
        options=[selectinload(models.Product.skus).selectinload(models.Sku.offer)],
    )
    if row is None:
        return None
    translated = await titles.titles(session, [product_id], language)
    skus = tuple(_sku(s) for s in row.skus if s.available and s.offer is not None)
    vocabulary = {v for sku in skus for v in sku.attributes.values() if v}
    return Product(
        id=row.id,
        marketplace=row.marketplace,
        marketplace_title=marketplace_title(row.marketplace),
        title=row.title,
        skus=skus,
        url=row.url,
        image_url=row.image_url,
        translated=translated.get(product_id),
        words=await words.lookup(session, vocabulary, language),
    )


async def exists(session: AsyncSession, product_id: int) -> bool:
    """Whether `product_id` names a product that can still be bought."""
    if not 0 < product_id <= MAX_ID:
        return False
    found = await session.scalar(
        select(models.Product.id).where(
            models.Product.id == product_id, models.Product.available.is_(True)
        )
    )
    return found is not None


async def by_url(session: AsyncSession, url: str) -> int | None:
    """The available product whose page is `url` (a synced store's, say), if any."""
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > 2000:
        return None
    return await session.scalar(
        select(models.Product.id)
        .where(models.Product.url == url, models.Product.available.is_(True))
        .limit(1)
    )


async def affiliate(session: AsyncSession, product_id: int) -> str | None:
    """The product's affiliate link on its marketplace, where its adapter made one."""
    found = await session.execute(
        select(models.Product.marketplace, models.Product.raw).where(
            models.Product.id == product_id
        )
    )
    row = found.first()
    return affiliate_url(row[0], row[1] or {}) if row is not None else None


def _sku(row: models.Sku) -> Sku:
    offer = row.offer
    assert offer is not None
    promo = offer.promo_price_minor
    return Sku(
        external_id=row.external_id,
        price=from_minor(offer.price_minor, offer.currency),
        currency=offer.currency,
        in_stock=row.availability != Availability.OUT_OF_STOCK,
        attributes=dict(row.attributes),
        promo_price=None if promo is None else from_minor(promo, offer.currency),
        promo_starts_at=offer.promo_starts_at,
        promo_ends_at=offer.promo_ends_at,
        id=row.id,
    )


async def search(
    session: AsyncSession,
    query: str,
    *,
    language: str = "en",
    filters: Filters = NO_FILTERS,
    sort: Sort = Sort.RELEVANCE,
) -> Results:
    """The search engine's ranked matches, with their titles' stored translations into
    `language`."""
    results = await engine.search(session, query, language=language, filters=filters, sort=sort)
    if results.translated:
        results.titles = await titles.titles(session, results.translated, language)
    return results
