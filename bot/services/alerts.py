"""The alerts outbox: a message for a chat, queued in the transaction of what it reports.

`enqueue` is keyed: the same cause (order 12 paid) queues one alert however often it is told.
Sending is the Telegram side's work (handlers/alerts.py): it claims due alerts right before
sending them, and marks each sent once Telegram took it; a claim left by a process that died
is taken up again after CLAIM_TIMEOUT. A failure is retried after a backoff that doubles; a chat
that blocked the bot is skipped until it is back.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.db import dialect_insert, insert_ignore, utcnow

# A claim is taken right before a send and lasts one request: a sender silent this long died.
CLAIM_TIMEOUT = timedelta(seconds=60)
MAX_ATTEMPTS = 8
BACKOFF_SECONDS = 10
MAX_BACKOFF_SECONDS = 3600
# Alerts of one chat claimed at once: sent one a second, well within CLAIM_TIMEOUT.
PER_CHAT = 10


def row(key: str, chat_id: int, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"key": key[:255], "chat_id": chat_id, "kind": kind, "params": params,
            "status": "pending", "attempts": 0, "created_at": utcnow()}  # fmt: skip


COLLECT = "alerts.collect"  # session.info key: a list gathering a batch's rows (one INSERT)


async def queue(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Queue alert rows now, or with the rest of the batch when one is collecting them."""
    batch = session.info.get(COLLECT)
    if isinstance(batch, list):
        batch.extend(rows)
    else:
        await enqueue_many(session, rows)


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


def _takeable(now: datetime) -> ColumnElement[bool]:
    """Alerts a sender may take now: pending and due (after a failure's backoff), or claimed
    by a sender that went silent (a process that died mid-send) longer than CLAIM_TIMEOUT."""
    a = models.Alert
    return or_(
        (a.status == "pending") & (a.next_attempt_at.is_(None) | (a.next_attempt_at <= now)),
        (a.status == "sending") & (a.claimed_at < now - CLAIM_TIMEOUT),
    )


async def due_chats(session: AsyncSession, limit: int, skip: Collection[int] = ()) -> list[int]:
    """Chats with alerts to send now (not `skip`, not blocked), the longest waiting first."""
    a = models.Alert
    blocked = select(models.BlockedChat.chat_id).where(models.BlockedChat.chat_id == a.chat_id)
    query = select(a.chat_id).where(
        _takeable(utcnow()), a.attempts < MAX_ATTEMPTS, ~blocked.exists()
    )
    if skip:
        query = query.where(a.chat_id.not_in(list(skip)))
    found = await session.execute(query.group_by(a.chat_id).order_by(func.min(a.id)).limit(limit))
    return list(found.scalars())


async def claim_chat(session: AsyncSession, chat_id: int, limit: int) -> list[models.Alert]:
    """Take up to `limit` of the chat's due alerts, oldest first, to send now."""
    a = models.Alert
    found = await session.execute(
        select(a.id)
        .where(a.chat_id == chat_id, _takeable(utcnow()), a.attempts < MAX_ATTEMPTS)
        .order_by(a.id)
        .limit(limit)
    )
    return await claim_many(session, list(found.scalars()))


async def claim_many(session: AsyncSession, alert_ids: list[int]) -> list[models.Alert]:
    """Take these alerts to send (one statement); those another sender took are left out.
    Returned in the order given."""
    if not alert_ids:
        return []
    a, now = models.Alert, utcnow()
    taken = await session.execute(
        update(a)
        .where(a.id.in_(alert_ids), _takeable(now))
        .values(status="sending", attempts=a.attempts + 1, claimed_at=now)
        .returning(a.id, a.chat_id, a.kind, a.params, a.attempts, a.key)
    )
    rows = {r.id: r for r in taken.all()}  # made into detached Alerts: never written back
    return [
        models.Alert(
            id=r.id, chat_id=r.chat_id, kind=r.kind, params=r.params, attempts=r.attempts, key=r.key
        )
        for i in alert_ids
        if (r := rows.get(i)) is not None
    ]


async def sent(session: AsyncSession, alert_ids: list[int]) -> None:
    """These claimed alerts reached Telegram."""
    if alert_ids:
        await session.execute(
            update(models.Alert)
            .where(models.Alert.id.in_(alert_ids))
            .values(status="sent", sent_at=utcnow())
        )


async def retry_later(
    session: AsyncSession, alert: models.Alert, after_seconds: float | None = None
) -> None:
    """A send failed for a reason that may pass: pending again after a backoff that doubles
    with each attempt (or `after_seconds`, Telegram's retry_after), failed after MAX_ATTEMPTS."""
    wait = after_seconds if after_seconds is not None else backoff(alert.attempts)
    done = alert.attempts >= MAX_ATTEMPTS
    await session.execute(
        update(models.Alert)
        .where(models.Alert.id == alert.id)
        .values(
            status="failed" if done else "pending",
            next_attempt_at=utcnow() + timedelta(seconds=wait),
        )
    )


async def release(session: AsyncSession, alert_ids: list[int]) -> None:
    """Claimed alerts not tried after all (their chat turned out blocked): pending again, the
    claim not counted as an attempt."""
    if alert_ids:
        a = models.Alert
        await session.execute(
            update(a).where(a.id.in_(alert_ids)).values(status="pending", attempts=a.attempts - 1)
        )


def backoff(attempts: int) -> float:
    """Seconds before attempt `attempts + 1`: 10, 20, 40, ... at most an hour."""
    return float(min(BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


async def give_up(session: AsyncSession, alert_id: int, status: str = "failed") -> None:
    """An alert that can never be sent (Telegram refused it for good, or the chat is gone)."""
    await session.execute(
        update(models.Alert).where(models.Alert.id == alert_id).values(status=status)
    )


async def block(session: AsyncSession, chat_id: int) -> None:
    """The chat blocked the bot (or removed it): its alerts wait until it is back."""
    await insert_ignore(session, models.BlockedChat.__table__, {"chat_id": chat_id,
                                                                "at": utcnow()})  # fmt: skip


async def unblock(session: AsyncSession, chat_id: int) -> bool:
    """The chat is back (it unblocked the bot, or wrote to it); True when it was blocked."""
    done = await session.execute(
        delete(models.BlockedChat)
        .where(models.BlockedChat.chat_id == chat_id)
        .returning(models.BlockedChat.chat_id)
    )
    return done.first() is not None
