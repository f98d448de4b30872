"""The catalog: products, their SKUs and current offers, with price history.

`upsert` takes unified `integrations.types.Product` records from any source and stores them with
change detection: an unchanged product costs one hash comparison; a price change writes a
PriceChange row; nothing is ever deleted here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from babel.numbers import get_currency_precision
from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot import models
from bot.db import utcnow
from integrations import types


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal amount -> integer minor units (CNY 39.90 -> 3990; JPY 500 -> 500)."""
    return int((amount * 10 ** get_currency_precision(currency)).to_integral_value())


def from_minor(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-get_currency_precision(currency))


def content_hash(p: types.Product) -> str:
    """A digest of everything stored about a product, to skip unchanged ones cheaply."""
    skus = [
        [s.external_id, str(s.offer.price), s.offer.currency, _promo_key(s.offer.promotion),
         s.availability.value, s.stock, sorted(s.attributes.items()), s.weight_grams, s.image_url]
        for s in p.skus
    ]  # fmt: skip
    blob = [p.title, p.description, p.url, p.image_url, p.category, p.brand, p.seller, skus]
    return hashlib.sha256(json.dumps(blob, ensure_ascii=False).encode()).hexdigest()


def _promo_key(promo: types.Promotion | None) -> list[str] | None:
    if promo is None:
        return None
    return [str(promo.price), promo.currency, str(promo.starts_at), str(promo.ends_at), promo.label]


async def upsert(
    session: AsyncSession, products: Iterable[types.Product], now: datetime | None = None
) -> UpsertCounts:
    """Insert new products, update changed ones, touch unchanged ones; return the counts."""
    now = now or utcnow()
    batch = list(products)
    counts = UpsertCounts()
    if not batch:
        return counts
    keys = [(p.marketplace, p.external_id) for p in batch]
    rows = await session.execute(
        select(models.Product)
        .where(tuple_(models.Product.marketplace, models.Product.external_id).in_(keys))
        .options(selectinload(models.Product.skus).selectinload(models.Sku.offer))
    )
    existing = {(row.marketplace, row.external_id): row for row in rows.scalars()}
    for record in batch:
        digest = content_hash(record)
        row = existing.get((record.marketplace, record.external_id))
        if row is None:
            row = models.Product(
                marketplace=record.marketplace, external_id=record.external_id, created_at=now
            )
            session.add(row)
            existing[(record.marketplace, record.external_id)] = row
            counts.created += 1
        elif row.content_hash == digest and row.available:
            row.synced_at = now
            counts.unchanged += 1
            continue
        else:
            counts.updated += 1
        _apply(session, row, record, digest, now)
    await session.flush()
    return counts


def _apply(
    session: AsyncSession, row: models.Product, p: types.Product, digest: str, now: datetime
) -> None:
    row.title, row.description, row.url = p.title, p.description, p.url
    row.image_url, row.category, row.brand, row.seller = p.image_url, p.category, p.brand, p.seller
    row.raw, row.content_hash, row.available = p.raw, digest, True
    row.updated_at = row.synced_at = now
    by_id = {s.external_id: s for s in row.skus} if row.id is not None else {}
    seen = set()
    for sku in p.skus:
        seen.add(sku.external_id)
        srow = by_id.get(sku.external_id)
        if srow is None:
            srow = models.Sku(external_id=sku.external_id, offer=None)
            row.skus.append(srow)
        srow.attributes, srow.availability = dict(sku.attributes), sku.availability.value
        srow.stock, srow.weight_grams, srow.image_url = sku.stock, sku.weight_grams, sku.image_url
        srow.available, srow.updated_at = True, now
        _apply_offer(session, srow, sku.offer, now)
    for srow in row.skus:
        if srow.external_id not in seen:
            srow.available = False


def _apply_offer(
    session: AsyncSession, srow: models.Sku, offer: types.Offer, now: datetime
) -> None:
    price = to_minor(offer.price, offer.currency)
    promo = offer.promotion
    promo_price = to_minor(promo.price, offer.currency) if promo is not None else None
    current = srow.offer
    if current is None:
        srow.offer = current = models.Offer(currency=offer.currency, price_minor=price)
    elif (current.price_minor, current.promo_price_minor) != (price, promo_price):
        srow_change = models.PriceChange(
            currency=offer.currency,
            old_price_minor=current.price_minor,
            new_price_minor=price,
            old_promo_price_minor=current.promo_price_minor,
            new_promo_price_minor=promo_price,
            changed_at=now,
        )
        srow_change.sku_id = srow.id
        session.add(srow_change)
    current.currency, current.price_minor, current.promo_price_minor = (
        offer.currency,
        price,
        promo_price,
    )
    current.promo_label = promo.label if promo is not None else ""
    current.promo_starts_at = promo.starts_at if promo is not None else None
    current.promo_ends_at = promo.ends_at if promo is not None else None
    current.observed_at = now


async def count_products(session: AsyncSession, marketplace: str | None = None) -> int:
    query = select(func.count()).select_from(models.Product)
    if marketplace is not None:
        query = query.where(models.Product.marketplace == marketplace)
    return int((await session.execute(query)).scalar_one())
