"""The alerts outbox: a message for a chat, queued in the transaction of what it reports.

`enqueue` is keyed: the same cause (order 12 paid) queues one alert however often it is told.
Sending is the Telegram side's work (bot/telegram/alerts.py): it claims a pending alert, sends
it, and marks it sent; a claim left by a process that died is taken up again after CLAIM_TIMEOUT.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.db import dialect_insert, utcnow

CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_ATTEMPTS = 5
BATCH = 50


def row(key: str, chat_id: int, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"key": key[:255], "chat_id": chat_id, "kind": kind, "params": params,
            "status": "pending", "attempts": 0, "created_at": utcnow()}  # fmt: skip


async def enqueue(
    session: AsyncSession, key: str, chat_id: int, kind: str, params: dict[str, Any]
) -> bool:
    """Queue an alert unless one with `key` exists; True when this call queued it."""
    return bool(await enqueue_many(session, [row(key, chat_id, kind, params)]))


async def enqueue_many(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Queue these alerts (rows made by `row`), each unless its key exists; how many were new."""
    unique: dict[str, dict[str, Any]] = {}
    for r in rows:
        unique.setdefault(r["key"], r)  # the first of a key: the same cause told twice
    insert, table = dialect_insert(session), cast(Table, models.Alert.__table__)
    done = await session.execute(  # the table, not the entity: no ORM bookkeeping per row
        insert(table).on_conflict_do_nothing().returning(table.c.id),
        list(unique.values()),
    )
    return len(done.all())


async def due(session: AsyncSession, limit: int = BATCH) -> list[int]:
    """Alerts waiting to be sent, oldest first (and claims older than CLAIM_TIMEOUT)."""
    stale = utcnow() - CLAIM_TIMEOUT
    found = await session.execute(
        select(models.Alert.id)
        .where(
            or_(
                models.Alert.status == "pending",
                (models.Alert.status == "sending") & (models.Alert.claimed_at < stale),
            ),
            models.Alert.attempts < MAX_ATTEMPTS,
        )
        .order_by(models.Alert.created_at, models.Alert.id)
        .limit(limit)
    )
    return list(found.scalars())


async def claim(session: AsyncSession, alert_id: int) -> models.Alert | None:
    """Take an alert to send; None when another process took it first."""
    stale = utcnow() - CLAIM_TIMEOUT
    taken = await session.execute(
        update(models.Alert)
        .where(
            models.Alert.id == alert_id,
            or_(
                models.Alert.status == "pending",
                (models.Alert.status == "sending") & (models.Alert.claimed_at < stale),
            ),
        )
        .values(status="sending", attempts=models.Alert.attempts + 1, claimed_at=utcnow())
        .returning(models.Alert.id)
    )
    if taken.scalar() is None:
        return None
    return await session.get(models.Alert, alert_id, populate_existing=True)


async def finish(session: AsyncSession, alert_id: int, sent: bool) -> None:
    """Mark a claimed alert sent, or pending again (failed after MAX_ATTEMPTS)."""
    alert = await session.get(models.Alert, alert_id)
    if alert is None:
        return
    if sent:
        alert.status, alert.sent_at = "sent", utcnow()
    else:
        alert.status = "failed" if alert.attempts >= MAX_ATTEMPTS else "pending"
