"""Alerts: an outbox of messages to shoppers, written in the same transaction as what they report
(a payment, a shipment), sent after it commits, marked sent once delivered. A crash between the
two leaves the row to be sent by the next sweep; the key makes a repeated cause one alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, BigId, Json, UtcDateTime, utcnow


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_status_created_at", "status", "created_at"),
        Index("ix_alerts_chat_id_status", "chat_id", "status"),  # a chat's alerts to send
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)  # e.g. order:12:paid
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))  # rendered in the shopper's language at send time
    params: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)  # no personal data
    # pending | sending | sent | failed (gave up) | blocked (the chat blocked the bot)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # when a sender took it
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # after a failure
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
