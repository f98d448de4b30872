"""sync_runs: one row per run of a source, with its counts, and a heartbeat while it runs.

A running run's process updates `seen_at` every BEAT; a run whose process was killed stops
beating, and `abandon` marks it failed once it has been silent for SILENT (so /metrics and the
next run see it ended, instead of "running" forever).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import utcnow
from bot.models import SyncRun

log = logging.getLogger(__name__)

BEAT_SECONDS = 30.0
SILENT = timedelta(minutes=5)
ABANDONED = "abandoned: its process stopped while it ran"


async def start(sessions: async_sessionmaker[AsyncSession], source: str, now: datetime) -> int:
    async with sessions.begin() as session:
        row = SyncRun(source=source[:255], status="running", started_at=now, seen_at=utcnow())
        session.add(row)
        await session.flush()
        return row.id


async def finish(
    sessions: async_sessionmaker[AsyncSession], run_id: int, outcome: Mapping[str, object]
) -> None:
    """Record how the run ended: its status, counts and error (sync_runs' columns)."""
    values = {**outcome, "finished_at": utcnow()}
    try:
        async with sessions.begin() as session:
            await session.execute(update(SyncRun).where(SyncRun.id == run_id).values(**values))
    except SQLAlchemyError:
        log.exception("could not record the end of sync run %s", run_id)


@contextlib.asynccontextmanager
async def beating(sessions: async_sessionmaker[AsyncSession], run_id: int) -> AsyncIterator[None]:
    """Keep the run's heartbeat while the block runs."""
    task = asyncio.get_running_loop().create_task(_beat(sessions, run_id))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _beat(sessions: async_sessionmaker[AsyncSession], run_id: int) -> None:
    while True:
        await asyncio.sleep(BEAT_SECONDS)
        try:
            async with sessions.begin() as session:
                await session.execute(
                    update(SyncRun).where(SyncRun.id == run_id).values(seen_at=utcnow())
                )
        except SQLAlchemyError as exc:
            log.warning("sync run %s: heartbeat not recorded: %s", run_id, exc)


async def abandon(session: AsyncSession) -> int:
    """Mark failed every running run silent for SILENT; returns how many."""
    silent_since = utcnow() - SILENT
    last_seen = func.coalesce(SyncRun.seen_at, SyncRun.started_at)
    done = await session.execute(
        update(SyncRun)
        .where(SyncRun.status == "running", last_seen < silent_since)
        .values(status="failed", finished_at=last_seen, error=ABANDONED)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]
