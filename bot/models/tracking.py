"""Parcel tracking: a number followed with a courier provider, its history of scans
(TrackingEvent, one row per scan however often it is told), and who follows it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, BigId, UtcDateTime, utcnow


class Tracking(Base):
    """One tracking number. `status` is the normalized status of the newest scan (a scan older
    than `last_event_at` joins the history but never moves it back); the provider's own status
    and sub-status are kept beside it."""

    __tablename__ = "trackings"
    __table_args__ = (Index("ix_trackings_next_poll_at", "next_poll_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    carrier: Mapped[str | None] = mapped_column(String(32))
    provider: Mapped[str | None] = mapped_column(String(16))  # aftership | 17track
    status: Mapped[str | None] = mapped_column(String(32))
    provider_status: Mapped[str] = mapped_column(String(64), default="")
    provider_substatus: Mapped[str] = mapped_column(String(64), default="")
    last_event_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    registered: Mapped[bool] = mapped_column(Boolean, default=False)  # told to the provider
    next_poll_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # None: not polled
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TrackingEvent(Base):
    """One scan of a tracked parcel, keyed by the courier's id for it (or a digest of it)."""

    __tablename__ = "tracking_events"
    __table_args__ = (UniqueConstraint("tracking_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tracking_id: Mapped[int] = mapped_column(ForeignKey("trackings.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(32))
    provider_status: Mapped[str] = mapped_column(String(64), default="")
    provider_substatus: Mapped[str] = mapped_column(String(64), default="")
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    location: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TrackingFollow(Base):
    """A chat that gets the alerts of a tracking number (/track, or the parcel's shoppers)."""

    __tablename__ = "tracking_follows"
    __table_args__ = (UniqueConstraint("tracking_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tracking_id: Mapped[int] = mapped_column(ForeignKey("trackings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class BlockedChat(Base):
    """A chat that blocked the bot (or removed it): its alerts are skipped until it is back."""

    __tablename__ = "blocked_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
