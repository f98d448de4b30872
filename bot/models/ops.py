"""What keeps the service running: sync runs, leases between processes, exchange rates fetched."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, BigId, UtcDateTime, utcnow


class SyncRun(Base):
    """One run of `shopbot sync` (or the scheduled job) for one source, with its counts."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_source_started", "source", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|ok|partial|failed
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    gone: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    # The running process's last heartbeat (bot/sync/runs.py): a run silent too long is dead.
    seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Lease(Base):
    """A named lock with an expiry, so one process of many runs a scheduled job."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HandledUpdate(Base):
    """A Telegram update that was answered: a re-delivery of it is not answered again."""

    __tablename__ = "handled_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class FxRate(Base):
    """Units of `currency` for one euro on `day`, as `source` (a rates provider: ecb, cbr,
    openexchangerates) gave it; cross rates via EUR. Each currency keeps its own day and
    source: no provider covers them all."""

    __tablename__ = "fx_rates"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    per_euro: Mapped[str] = mapped_column(String(32))  # a Decimal, exactly as published/derived
    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(32))
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
