"""Unified records every provider adapter returns.

Frozen dataclasses, one shape for all marketplaces; each keeps the provider's ``raw`` payload so
nothing the provider said is lost and a later release can read more of it.
Money is ``Decimal`` with an ISO 4217 currency; times are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Availability(StrEnum):
    IN_STOCK = "in_stock"
    OUT_OF_STOCK = "out_of_stock"
    PREORDER = "preorder"
    BACKORDER = "backorder"


@dataclass(frozen=True, slots=True)
class Promotion:
    """A price valid inside a window (``None`` bounds are open)."""

    price: Decimal
    currency: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    label: str = ""

    def active(self, at: datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= at) and (
            self.ends_at is None or at < self.ends_at
        )


@dataclass(frozen=True, slots=True)
class Offer:
    """Price and currency of one SKU at one moment, with the promotion if any."""

    price: Decimal
    currency: str
    promotion: Promotion | None = None

    def effective_price(self, at: datetime) -> Decimal:
        if self.promotion is not None and self.promotion.active(at):
            return self.promotion.price
        return self.price


@dataclass(frozen=True, slots=True)
class Sku:
    """One variant with its own price, stock and attributes (colour, size ...)."""

    external_id: str
    offer: Offer
    availability: Availability = Availability.IN_STOCK
    stock: int | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    weight_grams: int | None = None
    image_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Product:
    """One listing on one marketplace, keyed by (marketplace, external_id)."""

    marketplace: str
    external_id: str
    title: str
    skus: tuple[Sku, ...]
    url: str | None = None
    description: str = ""
    image_url: str | None = None
    category: str = ""
    brand: str = ""
    seller: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
