"""Named leases in the database: one process of many runs a scheduled job at a time.

A job runs under a lease held for HOLD and renewed while it runs; when it is done the lease is
kept until the job is next due. A process that dies mid-job stops renewing, and another takes
the job over within HOLD, not at the next interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import insert_ignore, utcnow
from bot.models import Lease

log = logging.getLogger(__name__)
T = TypeVar("T")

HOLD = timedelta(minutes=2)  # how long a lease outlives the last sign of its holder
RENEW_SECONDS = 30.0


async def acquire(session: AsyncSession, name: str, holder: str, ttl: timedelta) -> bool:
    """Take `name` for `ttl` if nobody holds it (never held, or expired)."""
    now = utcnow()
    await insert_ignore(
        session, Lease.__table__, {"name": name, "holder": holder, "expires_at": now}
    )
    taken = await session.execute(
        update(Lease)
        .where(Lease.name == name, Lease.expires_at <= now)
        .values(holder=holder, expires_at=now + ttl)
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


async def hold(session: AsyncSession, name: str, holder: str, until: datetime) -> bool:
    """Keep `name` until `until`, if `holder` still has it."""
    kept = await session.execute(
        update(Lease).where(Lease.name == name, Lease.holder == holder).values(expires_at=until)
    )
    return bool(kept.rowcount)  # type: ignore[attr-defined]


async def release(session: AsyncSession, name: str, holder: str) -> None:
    await hold(session, name, holder, utcnow())


async def run_when_due(
    sessions: async_sessionmaker[AsyncSession],
    name: str,
    holder: str,
    every: timedelta,
    work: Callable[[], Awaitable[T]],
) -> tuple[bool, T | None]:
    """Run `work` unless another process runs it or it ran less than `every` ago; returns
    whether it ran and what it returned. Whatever `work` raises is raised, after the lease is
    kept until the job is next due."""
    started = utcnow()
    async with sessions.begin() as session:
        if not await acquire(session, name, holder, HOLD):
            return False, None
    renewing = asyncio.get_running_loop().create_task(_renew(sessions, name, holder))
    try:
        return True, await work()
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
        try:
            async with sessions.begin() as session:
                await hold(session, name, holder, started + every)
        except SQLAlchemyError as exc:  # it expires within HOLD; the job may then run early
            log.warning("lease %s not kept until due: %s", name, exc)


async def _renew(sessions: async_sessionmaker[AsyncSession], name: str, holder: str) -> None:
    while True:
        await asyncio.sleep(RENEW_SECONDS)
        try:
            async with sessions.begin() as session:
                if not await hold(session, name, holder, utcnow() + HOLD):
                    log.warning("lease %s was taken over while its job ran", name)
        except SQLAlchemyError as exc:  # the database is away: try again at the next beat
            log.warning("lease %s not renewed: %s", name, exc)
