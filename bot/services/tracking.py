"""Tracking numbers and who follows them.

A number is stored once, normalized (integrations/couriers/detect.py), with the carrier its
format names and the courier provider that follows it. Anyone may follow any number (/track);
the shoppers of a shipped parcel follow its number from the start. What the couriers report
about a number is applied in bot/services/tracking_updates.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.db import insert_ignore, inserted, utcnow

MAX_FOLLOWS = 50  # numbers one chat may follow at once
FINAL = frozenset({"delivered", "expired", "returning"})  # nothing more to poll for


class TrackError(ValueError):
    """A number a chat may not follow (`reason`: too_many)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def start(
    session: AsyncSession, number: str, carrier: str | None, provider: str | None
) -> models.Tracking:
    """The Tracking of `number` (already normalized), made when new; a carrier or provider it
    lacked is filled in. Polled soon, so a provider without webhooks is asked at once."""
    now = utcnow()
    await insert_ignore(
        session, cast(Table, models.Tracking.__table__),
        {"number": number, "carrier": carrier, "provider": provider, "provider_status": "",
         "provider_substatus": "", "registered": False, "next_poll_at": now, "created_at": now,
         "updated_at": now},
    )  # fmt: skip
    found = await session.execute(
        select(models.Tracking).where(models.Tracking.number == number).with_for_update()
    )
    track = found.scalar_one()
    if carrier and not track.carrier:
        track.carrier = carrier
    if provider and not track.provider:
        track.provider, track.registered = provider, False
    return track


async def get(session: AsyncSession, tracking_id: int) -> models.Tracking | None:
    return await session.get(models.Tracking, tracking_id)


async def follow(session: AsyncSession, user_id: int, track: models.Tracking) -> bool:
    """`user_id` gets the alerts of `track`; False when it did already. TrackError (the
    caller's transaction rolls back) past MAX_FOLLOWS numbers."""
    table = models.TrackingFollow.__table__
    values = {"tracking_id": track.id, "user_id": user_id, "created_at": utcnow()}
    if not await inserted(session, table, values):
        return False
    count = await session.scalar(
        select(func.count()).where(models.TrackingFollow.user_id == user_id)
    )
    if (count or 0) > MAX_FOLLOWS:
        raise TrackError("too_many")
    return True


async def unfollow(session: AsyncSession, user_id: int, tracking_id: int) -> bool:
    """Stop `user_id`'s alerts of `tracking_id`; False when there were none."""
    done = await session.execute(
        delete(models.TrackingFollow)
        .where(
            models.TrackingFollow.user_id == user_id,
            models.TrackingFollow.tracking_id == tracking_id,
        )
        .returning(models.TrackingFollow.id)
    )
    return done.first() is not None


async def followed(session: AsyncSession, user_id: int) -> list[models.Tracking]:
    """The numbers `user_id` follows, the latest followed first."""
    found = await session.execute(
        select(models.Tracking)
        .join(models.TrackingFollow, models.TrackingFollow.tracking_id == models.Tracking.id)
        .where(models.TrackingFollow.user_id == user_id)
        .order_by(models.TrackingFollow.created_at.desc(), models.TrackingFollow.id.desc())
    )
    return list(found.scalars())


async def followers(session: AsyncSession, tracking_ids: list[int]) -> dict[int, list[int]]:
    """The chats following each of `tracking_ids`."""
    if not tracking_ids:
        return {}
    found = await session.execute(
        select(models.TrackingFollow.tracking_id, models.TrackingFollow.user_id)
        .where(models.TrackingFollow.tracking_id.in_(tracking_ids))
        .order_by(models.TrackingFollow.id)
    )
    chats: dict[int, list[int]] = {}
    for tracking_id, user_id in found.all():
        chats.setdefault(tracking_id, []).append(user_id)
    return chats


async def history(
    session: AsyncSession, tracking_id: int, limit: int = 10
) -> list[models.TrackingEvent]:
    """The latest scans of a number, newest first."""
    found = await session.execute(
        select(models.TrackingEvent)
        .where(models.TrackingEvent.tracking_id == tracking_id)
        .order_by(models.TrackingEvent.occurred_at.desc(), models.TrackingEvent.id.desc())
        .limit(limit)
    )
    return list(found.scalars())


async def due(session: AsyncSession, now: datetime, limit: int = 40) -> list[models.Tracking]:
    """Numbers to ask their provider about now (not final, poll time passed), oldest first."""
    found = await session.execute(
        select(models.Tracking)
        .where(
            models.Tracking.next_poll_at <= now,
            models.Tracking.provider.is_not(None),
            (models.Tracking.status.is_(None)) | (models.Tracking.status.not_in(FINAL)),
        )
        .order_by(models.Tracking.next_poll_at, models.Tracking.id)
        .limit(limit)
    )
    return list(found.scalars())


async def polled(
    session: AsyncSession, tracking_ids: list[int], next_at: datetime | None, registered: bool
) -> None:
    """Note when to ask about these numbers again (None: never), and that the provider knows
    them when `registered`."""
    if not tracking_ids:
        return
    values: dict[str, object] = {"next_poll_at": next_at}
    if registered:
        values["registered"] = True
    await session.execute(
        update(models.Tracking).where(models.Tracking.id.in_(tracking_ids)).values(**values)
    )
