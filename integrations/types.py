"""Unified records every provider adapter returns.

Frozen dataclasses, one shape for all marketplaces; each keeps the provider's ``raw`` payload so
nothing the provider said is lost and a later release can read more of it.
Money is ``Decimal`` with an ISO 4217 currency; times are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from integrations.money import Money


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


# --- payments --------------------------------------------------------------------------------
# A payment provider turns a CheckoutRequest into a Checkout (a link the shopper pays on) and
# reports what happened as PaymentEvents; Money is integrations.money.Money.


class PaymentKind(StrEnum):
    """What a payment event means for the order, whatever the provider called it."""

    PAID = "paid"
    PENDING = "pending"  # completed, not yet paid (an asynchronous method settles later)
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    IGNORED = "ignored"  # a type we do not act on


@dataclass(frozen=True, slots=True)
class CheckoutLine:
    name: str
    unit: Money
    quantity: int


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """One order to pay. `country` is the ISO alpha-2 destination: the payment page collects a
    shipping address in that country only. `idempotency_key` makes a retried create harmless."""

    order_id: int
    lines: tuple[CheckoutLine, ...]
    currency: str
    country: str
    success_url: str
    cancel_url: str
    expires_at: datetime
    idempotency_key: str
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class Checkout:
    """A payment page for one order: the shopper opens `url` before `expires_at`."""

    provider: str
    session_id: str
    url: str
    expires_at: datetime
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """One thing a provider told us about a payment; `kind` is a PaymentKind value.
    `payment_ref` is what a refund needs (Stripe: the PaymentIntent id)."""

    provider: str
    event_id: str
    kind: str
    order_id: int | None
    session_id: str | None
    payment_ref: str | None
    amount: Money | None
    occurred_at: datetime
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Refund:
    provider: str
    refund_id: str
    status: str
    amount: Money
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)


class TrackingStatus(StrEnum):
    """The one parcel status taxonomy every courier's statuses map onto (DESIGN.md)."""

    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    CUSTOMS_PROCESSING = "customs_processing"
    CUSTOMS_ACTION_REQUIRED = "customs_action_required"
    CUSTOMS_RELEASED = "customs_released"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERY_FAILED = "delivery_failed"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNING = "returning"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One scan of a parcel as the courier reported it: normalized `status` beside the
    provider's own status and sub-status. `key` is stable for the same scan told again (the
    provider's id, else a digest of number, time, status and place), so repeats collapse."""

    key: str
    status: TrackingStatus
    provider_status: str
    provider_substatus: str
    occurred_at: datetime
    location: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class TrackingUpdate:
    """What a courier provider told us about one number: its latest normalized status and the
    scans it listed (oldest first). `delivery_id` is the webhook delivery's own id, if any;
    `stopped` says the provider stopped tracking it."""

    provider: str
    number: str
    carrier: str | None
    status: TrackingStatus | None
    provider_status: str
    provider_substatus: str
    checkpoints: tuple[Checkpoint, ...] = ()
    delivery_id: str | None = None
    stopped: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)
