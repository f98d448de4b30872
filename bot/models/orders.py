"""Orders: what the shopper paid for, frozen at checkout (lines, prices, quote, address), and the
timeline of everything that happened to each. States: bot/services/order_states.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.crypto import Encrypted
from bot.db import Base, BigId, Json, UtcDateTime, utcnow


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_user_id_created_at", "user_id", "created_at"),
        # The paid orders still to compare with the marketplace (bot/process/payments.py).
        Index(
            "ix_orders_unreviewed", "id",
            postgresql_where=text("status = 'paid' AND reviewed_at IS NULL"),
            sqlite_where=text("status = 'paid' AND reviewed_at IS NULL"),
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(32), index=True)
    # What is charged: minor units of the charge currency (ISO minor units, not a provider's).
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    # The landed-cost quote the shopper accepted, every amount a string (Decimal), CNY based.
    quote: Mapped[dict[str, Any]] = mapped_column(Json)
    country: Mapped[str] = mapped_column(String(2))
    shipping_line: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16), default="en")
    provider: Mapped[str] = mapped_column(String(16), default="")
    checkout_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(Text)
    payment_ref: Mapped[str | None] = mapped_column(String(255))
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # Personal data, sealed (bot/crypto.py): the payment page collects it.
    address: Mapped[dict[str, Any] | None] = mapped_column(Encrypted("orders.address"))
    phone: Mapped[str | None] = mapped_column(Encrypted("orders.phone"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the paid order was compared with the marketplace (bot/process/payments.py).
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The box it travels abroad in (bot/models/fulfilment.py), once consolidated.
    parcel_id: Mapped[int | None] = mapped_column(
        ForeignKey("parcels.id", ondelete="SET NULL"), index=True
    )
    # The community deal it is credited to (bot/services/deals.py), if the shopper came by one.
    deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("deals.id", ondelete="SET NULL"), index=True
    )

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    sku_id: Mapped[int | None] = mapped_column(ForeignKey("skus.id", ondelete="SET NULL"))
    marketplace: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(Text)
    variant: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)  # marketplace currency (CNY)
    currency: Mapped[str] = mapped_column(String(3))

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderEvent(Base):
    """One step of an order's timeline: a state change or a note (a payment that is pending)."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(32))  # the order's state after the event
    kind: Mapped[str] = mapped_column(String(32))  # created, paid, payment_pending, refunded, ...
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)  # no personal data
