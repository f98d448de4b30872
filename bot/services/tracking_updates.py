"""What couriers report about tracked numbers, applied once, never backwards.

`ingest_many` takes a batch of `integrations.types.TrackingUpdate` (webhook deliveries, polls)
in one transaction with a handful of statements however many there are: the numbers' rows
locked in id order (a repeat in another process waits, then finds its scans recorded), every
scan inserted under the (tracking, key) unique constraint (the same scan told twenty times is
one row), and a number's status moved only by a scan newer than the newest it had: an older
scan arriving late joins the history and moves nothing. A moved status queues one alert per
follower, keyed by the scan, so a repeat alerts nobody twice; a number that moved twice within
one batch (two deliveries a few milliseconds apart) alerts once, with where it is now, not with
news already stale. A delivered number delivers the orders of its parcels. Numbers nobody
tracks change nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.db import dialect_insert, one_of, utcnow
from bot.services import alerts, fulfilment, tracking
from integrations.couriers.detect import normalize
from integrations.types import Checkpoint, TrackingStatus, TrackingUpdate

TE = models.TrackingEvent
MAX_TEXT = 300  # of a courier's message or place kept in an alert


@dataclass(frozen=True, slots=True)
class Ingested:
    """What an update did: `outcome` is unknown (no such number), duplicate (nothing new),
    history (new scans, the status as it was) or moved (to `status`)."""

    tracking_id: int | None
    outcome: str
    status: str | None = None


UNKNOWN = Ingested(None, "unknown")


async def ingest_many(session: AsyncSession, updates: Sequence[TrackingUpdate]) -> list[Ingested]:
    """Apply `updates` in one transaction (the caller commits), in their order."""
    numbers = [normalize(u.number) for u in updates]  # as stored (the provider's may differ)
    found = await session.execute(
        select(models.Tracking)
        .where(one_of(session, models.Tracking.number, sorted(set(numbers))))
        .order_by(models.Tracking.id)
        .with_for_update()
    )
    by_number = {t.number: t for t in found.scalars()}
    tracks = [by_number.get(number) for number in numbers]
    new = await _record_scans(session, updates, tracks)
    results: list[Ingested] = []
    moved: dict[int, tuple[models.Tracking, Checkpoint | None]] = {}
    for update, track in zip(updates, tracks, strict=True):
        if track is None:
            results.append(UNKNOWN)
            continue
        scans = [c for c in update.checkpoints if (track.id, c.key) in new]
        for c in scans:
            new.discard((track.id, c.key))  # the same scan in two updates of the batch: once
        newest = max(scans, key=lambda c: c.occurred_at, default=None)
        before = track.status
        if _moves(track, update, newest):
            _apply(track, update, newest)
        if track.status != before:
            moved[track.id] = (track, newest)
            results.append(Ingested(track.id, "moved", track.status))
        else:
            results.append(Ingested(track.id, "history" if scans else "duplicate", track.status))
    await _tell(session, list(moved.values()))
    for track, _ in moved.values():
        if track.status == TrackingStatus.DELIVERED:
            await fulfilment.delivered(session, track.id)
    return results


async def _record_scans(
    session: AsyncSession, updates: Sequence[TrackingUpdate],
    tracks: Sequence[models.Tracking | None],
) -> set[tuple[int, str]]:  # fmt: skip
    """Insert every scan not recorded before; the (tracking, key) pairs that are new."""
    now = utcnow()
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for update, track in zip(updates, tracks, strict=True):
        if track is None:
            continue
        for c in update.checkpoints:
            rows.setdefault((track.id, c.key), {
                "tracking_id": track.id, "key": c.key[:128], "status": c.status.value,
                "provider_status": c.provider_status[:64],
                "provider_substatus": c.provider_substatus[:64], "occurred_at": c.occurred_at,
                "location": c.location[:1000], "message": c.message[:2000], "received_at": now,
            })  # fmt: skip
    if not rows:
        return set()
    table = cast(Table, TE.__table__)
    done = await session.execute(
        dialect_insert(session)(table)
        .on_conflict_do_nothing()
        .returning(table.c.tracking_id, table.c.key),
        [rows[k] for k in sorted(rows)],
    )
    return {(tracking_id, key) for tracking_id, key in done.all()}


def _moves(track: models.Tracking, update: TrackingUpdate, newest: Checkpoint | None) -> bool:
    """Whether this update may set the number's status: a scan newer than any before, or a
    first status for a number that had none (a provider that lists no scans)."""
    if newest is not None:
        return track.last_event_at is None or newest.occurred_at > track.last_event_at
    return track.status is None and track.last_event_at is None and update.status is not None


def _apply(track: models.Tracking, update: TrackingUpdate, newest: Checkpoint | None) -> None:
    latest_is_newest = newest is None or _latest(update) is newest
    if latest_is_newest and update.status is not None:
        track.status = update.status.value
        track.provider_status = update.provider_status[:64]
        track.provider_substatus = update.provider_substatus[:64]
    elif newest is not None:
        track.status = newest.status.value
        track.provider_status = newest.provider_status[:64]
        track.provider_substatus = newest.provider_substatus[:64]
    if newest is not None:
        track.last_event_at = newest.occurred_at
    if update.carrier and not track.carrier:
        track.carrier = update.carrier[:32]
    track.updated_at = utcnow()


def _latest(update: TrackingUpdate) -> Checkpoint | None:
    return max(update.checkpoints, key=lambda c: c.occurred_at, default=None)


async def _tell(
    session: AsyncSession, moved: list[tuple[models.Tracking, Checkpoint | None]]
) -> None:
    """One alert per follower of each number that moved, keyed by the scan that moved it."""
    chats = await tracking.followers(session, [t.id for t, _ in moved])
    rows = []
    for track, scan in moved:
        cause = scan.key if scan is not None else f"status:{track.status}"
        digest = hashlib.sha256(cause.encode()).hexdigest()[:16]
        params = {
            "tracking_id": track.id, "number": track.number, "status": track.status,
            "carrier": track.carrier or "",
            "location": scan.location[:MAX_TEXT] if scan is not None else "",
            "message": scan.message[:MAX_TEXT] if scan is not None else "",
            "at": _iso(scan.occurred_at) if scan is not None else "",
        }  # fmt: skip
        for chat_id in chats.get(track.id, []):
            key = f"track:{track.id}:{digest}:{chat_id}"
            rows.append(alerts.row(key, chat_id, "tracking", params))
    if rows:
        await alerts.queue(session, rows)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="minutes")
