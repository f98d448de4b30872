"""The catalog: products, their SKUs and current offers, with price history.

`store` takes unified `integrations.types.Product` records from any source and writes them in
bulk with change detection: an unchanged product costs one digest comparison and no write; a
changed one is updated in place, and a price change writes a PriceChange row. Nothing is deleted:
what a source stops listing becomes unavailable (`mark_gone`), because orders point at it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from babel.numbers import get_currency_precision
from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.bulk import insert_returning_ids, insert_rows, update_rows
from bot.db import utcnow
from bot.search.tokens import index_terms, with_price
from integrations import types

PRODUCTS = cast(Table, models.Product.__table__)
SKUS = cast(Table, models.Sku.__table__)
OFFERS = cast(Table, models.Offer.__table__)
PRICE_CHANGES = cast(Table, models.PriceChange.__table__)
CHUNK = 500  # ids per IN (...) list


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.duplicates += other.duplicates


@dataclass(slots=True)
class Known:
    """What the database holds about one product, enough to skip it when unchanged."""

    id: int
    digest: str
    available: bool
    source: str


@dataclass
class Index:
    """Known products of one marketplace by external id; updated only after a commit."""

    marketplace: str
    known: dict[str, Known] = field(default_factory=dict)

    def apply(self, pending: dict[str, Known]) -> None:
        self.known.update(pending)


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal amount -> integer minor units (CNY 39.90 -> 3990; JPY 500 -> 500)."""
    return int((amount * 10 ** get_currency_precision(currency)).to_integral_value())


def from_minor(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-get_currency_precision(currency))


def content_hash(p: types.Product) -> str:
    """A digest of everything stored about a product, to skip unchanged ones cheaply."""
    skus = "\x1d".join(
        [
            f"{s.external_id}\x1f{s.offer.price}\x1f{s.offer.currency}\x1f{s.availability}"
            f"\x1f{s.stock}\x1f{s.weight_grams}\x1f{s.image_url}\x1f{_attributes_key(s)}"
            f"\x1f{_promo_key(s.offer.promotion)}"
            for s in p.skus
        ]
    )
    blob = (
        f"{p.title}\x1e{p.description}\x1e{p.url}\x1e{p.image_url}\x1e{p.category}"
        f"\x1e{p.brand}\x1e{p.seller}\x1e{skus}"
    )
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


def _attributes_key(s: types.Sku) -> str:
    attributes = s.attributes
    if len(attributes) < 2:  # the usual case: none, or just a colour or a size
        return "".join(f"{k}={v}" for k, v in attributes.items())
    return "\x1c".join(f"{k}={v}" for k, v in sorted(attributes.items()))


def _promo_key(promo: types.Promotion | None) -> str:
    return "" if promo is None else f"{promo.price}|{promo.starts_at}|{promo.ends_at}|{promo.label}"


async def load_index(
    session: AsyncSession, marketplace: str, external_ids: Iterable[str] | None = None
) -> Index:
    """The known products of `marketplace` (all of them, or just `external_ids`)."""
    p = PRODUCTS.c
    query = select(p.id, p.external_id, p.content_hash, p.available, p.source).where(
        p.marketplace == marketplace
    )
    index = Index(marketplace)
    if external_ids is None:
        chunks: list[list[str] | None] = [None]
    else:
        ids = list(dict.fromkeys(external_ids))
        chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
    for chunk in chunks:
        scoped = query if chunk is None else query.where(p.external_id.in_(chunk))
        for row in await session.execute(scoped):
            index.known[row.external_id] = Known(
                row.id, row.content_hash, row.available, row.source
            )
    return index


async def store(
    session: AsyncSession,
    products: Sequence[types.Product],
    index: Index,
    *,
    source: str = "",
    now: datetime | None = None,
    digests: Mapping[str, str] | None = None,
) -> tuple[UpsertCounts, dict[str, Known]]:
    """Write `products` (one marketplace) in bulk; returns counts and the index updates to
    apply once the caller's transaction has committed. `digests` overrides the fingerprint
    stored for a product (a feed's raw bytes, so a re-sync can skip parsing it)."""
    now = now or utcnow()
    counts = UpsertCounts()
    new: list[tuple[types.Product, str]] = []
    changed: list[tuple[types.Product, str, Known]] = []
    seen: set[str] = set()
    for product in products:
        if product.marketplace != index.marketplace:
            raise ValueError(f"{product.marketplace} product given to a {index.marketplace} index")
        if product.external_id in seen:
            counts.duplicates += 1
            continue
        seen.add(product.external_id)
        digest = (digests or {}).get(product.external_id) or content_hash(product)
        known = index.known.get(product.external_id)
        if known is None:
            new.append((product, digest))
        elif known.digest == digest and known.available and known.source == source:
            counts.unchanged += 1
        else:
            changed.append((product, digest, known))
    pending: dict[str, Known] = {}
    if new:
        pending |= await _insert(session, new, source, now)
        counts.created = len(new)
    if changed:
        pending |= await _update(session, changed, source, now)
        counts.updated = len(changed)
    return counts, pending


async def upsert(
    session: AsyncSession,
    products: Iterable[types.Product],
    now: datetime | None = None,
    *,
    source: str = "",
) -> UpsertCounts:
    """Store a handful of products of any marketplaces (links, tests); bulk syncs use `store`."""
    total = UpsertCounts()
    by_marketplace: dict[str, list[types.Product]] = {}
    for product in products:
        by_marketplace.setdefault(product.marketplace, []).append(product)
    for marketplace, group in by_marketplace.items():
        index = await load_index(session, marketplace, (p.external_id for p in group))
        counts, _ = await store(session, group, index, source=source, now=now)
        total.add(counts)
    return total


def _product_row(p: types.Product, digest: str, source: str, now: datetime) -> dict[str, Any]:
    prices = [(s.offer.effective_price(now), s.offer.currency) for s in p.skus]
    low = min(prices) if prices else None
    price_minor = to_minor(*low) if low else None
    return {
        "title": p.title, "description": p.description, "url": p.url, "image_url": p.image_url,
        "category": p.category[:255], "brand": p.brand[:128], "seller": p.seller[:255],
        "source": source, "available": True, "content_hash": digest, "raw": p.raw,
        "updated_at": now, "synced_at": now,
        "price_minor": price_minor,
        "price_currency": low[1] if low else None,
        "in_stock": any(s.availability != types.Availability.OUT_OF_STOCK for s in p.skus),
        "on_sale": any(s.offer.effective_price(now) < s.offer.price for s in p.skus),
        "search_terms": with_price(index_terms(p.title, p.category, p.brand), price_minor),
    }  # fmt: skip


def _sku_row(s: types.Sku, now: datetime) -> dict[str, Any]:
    return {
        "attributes": dict(s.attributes), "availability": s.availability.value, "stock": s.stock,
        "weight_grams": s.weight_grams, "image_url": s.image_url, "available": True,
        "updated_at": now,
    }  # fmt: skip


def _offer_row(offer: types.Offer, now: datetime) -> dict[str, Any]:
    promo = offer.promotion
    return {
        "currency": offer.currency,
        "price_minor": to_minor(offer.price, offer.currency),
        "promo_price_minor": to_minor(promo.price, offer.currency) if promo else None,
        "promo_label": promo.label[:128] if promo else "",
        "promo_starts_at": promo.starts_at if promo else None,
        "promo_ends_at": promo.ends_at if promo else None,
        "observed_at": now,
    }


async def _insert(
    session: AsyncSession, new: list[tuple[types.Product, str]], source: str, now: datetime
) -> dict[str, Known]:
    rows = [
        {"marketplace": p.marketplace, "external_id": p.external_id, "created_at": now}
        | _product_row(p, digest, source, now)
        for p, digest in new
    ]
    marketplace = new[0][0].marketplace
    ids = await insert_returning_ids(
        session, PRODUCTS, rows, ("external_id",), (PRODUCTS.c.marketplace == marketplace,)
    )
    await _insert_skus(session, [(ids[p.external_id], s) for p, _ in new for s in p.skus], now)
    return {p.external_id: Known(ids[p.external_id], d, True, source) for p, d in new}


async def _insert_skus(
    session: AsyncSession, skus: list[tuple[int, types.Sku]], now: datetime
) -> None:
    if not skus:
        return
    rows = [{"product_id": pid, "external_id": s.external_id} | _sku_row(s, now) for pid, s in skus]
    ids = await insert_returning_ids(session, SKUS, rows, ("product_id", "external_id"))
    offers = [
        {"sku_id": ids[(pid, sku.external_id)]} | _offer_row(sku.offer, now) for pid, sku in skus
    ]
    await insert_rows(session, OFFERS, offers)


async def _update(
    session: AsyncSession,
    changed: list[tuple[types.Product, str, Known]],
    source: str,
    now: datetime,
) -> dict[str, Known]:
    rows = [{"id": k.id} | _product_row(p, d, source, now) for p, d, k in changed]
    await update_rows(session, PRODUCTS, rows, "id")
    current = await _current_skus(session, [k.id for _, _, k in changed])
    plan = _SkuPlan(now)
    for product, _, known in changed:
        plan.product(known.id, product, current.get(known.id, {}))
    await plan.execute(session)
    return {p.external_id: Known(k.id, d, True, source) for p, d, k in changed}


async def _current_skus(
    session: AsyncSession, product_ids: list[int]
) -> dict[int, dict[str, tuple[int, int | None, int | None]]]:
    """product id -> sku external id -> (sku id, price_minor, promo_price_minor)."""
    s, o = SKUS.c, OFFERS.c
    found: dict[int, dict[str, tuple[int, int | None, int | None]]] = {}
    for i in range(0, len(product_ids), CHUNK):
        query = (
            select(s.id, s.product_id, s.external_id, o.price_minor, o.promo_price_minor)
            .outerjoin(OFFERS, o.sku_id == s.id)
            .where(s.product_id.in_(product_ids[i : i + CHUNK]))
        )
        for row in await session.execute(query):
            found.setdefault(row.product_id, {})[row.external_id] = (
                row.id, row.price_minor, row.promo_price_minor,
            )  # fmt: skip
    return found


@dataclass
class _SkuPlan:
    """The SKU, offer and price-history writes for a set of changed products, done in bulk."""

    now: datetime
    sku_updates: list[dict[str, Any]] = field(default_factory=list)
    offer_updates: list[dict[str, Any]] = field(default_factory=list)
    offer_inserts: list[dict[str, Any]] = field(default_factory=list)
    new_skus: list[tuple[int, types.Sku]] = field(default_factory=list)
    gone_skus: list[int] = field(default_factory=list)
    price_changes: list[dict[str, Any]] = field(default_factory=list)

    def product(
        self,
        product_id: int,
        product: types.Product,
        current: dict[str, tuple[int, int | None, int | None]],
    ) -> None:
        incoming = {s.external_id for s in product.skus}
        for sku in product.skus:
            if sku.external_id not in current:
                self.new_skus.append((product_id, sku))
                continue
            sku_id, old_price, old_promo = current[sku.external_id]
            self.sku_updates.append({"id": sku_id} | _sku_row(sku, self.now))
            offer = _offer_row(sku.offer, self.now)
            if old_price is None:
                self.offer_inserts.append({"sku_id": sku_id} | offer)
                continue
            self.offer_updates.append({"sku_id": sku_id} | offer)
            if (old_price, old_promo) != (offer["price_minor"], offer["promo_price_minor"]):
                self.price_changes.append(
                    {
                        "sku_id": sku_id, "currency": offer["currency"],
                        "old_price_minor": old_price, "new_price_minor": offer["price_minor"],
                        "old_promo_price_minor": old_promo,
                        "new_promo_price_minor": offer["promo_price_minor"],
                        "changed_at": self.now,
                    }
                )  # fmt: skip
        self.gone_skus += [sid for ext, (sid, _, _) in current.items() if ext not in incoming]

    async def execute(self, session: AsyncSession) -> None:
        await update_rows(session, SKUS, self.sku_updates, "id")
        await update_rows(session, OFFERS, self.offer_updates, "sku_id")
        if self.offer_inserts:
            await insert_rows(session, OFFERS, self.offer_inserts)
        if self.price_changes:
            await insert_rows(session, PRICE_CHANGES, self.price_changes)
        for i in range(0, len(self.gone_skus), CHUNK):
            chunk = self.gone_skus[i : i + CHUNK]
            await session.execute(
                update(SKUS)
                .where(SKUS.c.id.in_(chunk))
                .values(available=False, updated_at=self.now)
            )
        await _insert_skus(session, self.new_skus, self.now)


async def mark_gone(
    session: AsyncSession, index: Index, source: str, seen: set[str], now: datetime
) -> dict[str, Known]:
    """Make what `source` listed before but not this time unavailable; returns index updates."""
    gone = {
        ext: k
        for ext, k in index.known.items()
        if k.available and k.source == source and ext not in seen
    }
    return await mark_unavailable(session, gone, now)


async def mark_unavailable(
    session: AsyncSession, products: dict[str, Known], now: datetime
) -> dict[str, Known]:
    """Mark these products unavailable (never deleted: orders point at them)."""
    ids = [k.id for k in products.values()]
    for i in range(0, len(ids), CHUNK):
        await session.execute(
            update(PRODUCTS)
            .where(PRODUCTS.c.id.in_(ids[i : i + CHUNK]))
            .values(available=False, updated_at=now)
        )
    return {ext: Known(k.id, k.digest, False, k.source) for ext, k in products.items()}


async def count_products(
    session: AsyncSession, marketplace: str | None = None, *, available_only: bool = False
) -> int:
    query = select(func.count()).select_from(models.Product)
    if marketplace is not None:
        query = query.where(models.Product.marketplace == marketplace)
    if available_only:
        query = query.where(models.Product.available.is_(True))
    return int((await session.execute(query)).scalar_one())
