"""Fulfilment: the operator's buy on the marketplace (Purchase) and what is shipped abroad
(Parcel: one or more orders, weighed and measured, with the international tracking number)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, BigId, UtcDateTime, utcnow


class Purchase(Base):
    """An order bought at the seller: the marketplace's order number, then the seller's
    domestic tracking number once the seller ships to the warehouse."""

    __tablename__ = "purchases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    marketplace_ref: Mapped[str] = mapped_column(String(128))
    seller_tracking: Mapped[str | None] = mapped_column(String(64))
    operator_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Parcel(Base):
    """Stored orders consolidated into one box: open while packed, shipped with a carrier and
    tracking number (its Tracking follows the number), delivered when the courier says so."""

    __tablename__ = "parcels"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="packed")  # packed|shipped|delivered
    weight_grams: Mapped[int] = mapped_column(Integer)
    length_cm: Mapped[int] = mapped_column(Integer)
    width_cm: Mapped[int] = mapped_column(Integer)
    height_cm: Mapped[int] = mapped_column(Integer)
    carrier: Mapped[str | None] = mapped_column(String(32))
    tracking_id: Mapped[int | None] = mapped_column(
        ForeignKey("trackings.id", ondelete="SET NULL"), index=True
    )
    operator_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    shipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
