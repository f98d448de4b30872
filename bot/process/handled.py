"""Which Telegram updates were answered: each update is handled once, whatever re-delivers it.

An update is answered (the webhook's 200, the polling offset moved past it) only once it was
processed; one that met a failure of the infrastructure is left for Telegram to deliver again.
So a stopped, killed or cut-off process loses no message, and a re-delivered one (to this
process or another) must not be answered twice: handled update ids are recorded in the
database, read before an update is handled, and written after it, in group commits (the write
a busy moment needs is one transaction, not one per update). A re-delivery that arrives while
the same process still handles the first delivery waits for that one's outcome.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import dialect_insert, utcnow
from bot.faults import infrastructure
from bot.models import HandledUpdate

log = logging.getLogger(__name__)

KEEP = timedelta(days=2)  # Telegram keeps an undelivered update for a day


class Handled:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._running: dict[int, asyncio.Future[bool]] = {}
        self._pending: dict[int, asyncio.Future[None]] = {}
        self._writer: asyncio.Task[None] | None = None

    async def once(self, update_id: int, handle: Callable[[], Awaitable[bool]]) -> bool:
        """`handle()` unless this update was handled already; True when it is handled (now or
        before), False when it must come again (`handle` said so, or the database is away)."""
        running = self._running.get(update_id)
        if running is not None:
            return await asyncio.shield(running)
        outcome = asyncio.get_running_loop().create_future()
        self._running[update_id] = outcome
        try:
            result = await self._once(update_id, handle)
        except BaseException as exc:
            outcome.set_exception(exc)
            outcome.exception()  # retrieved: whoever waits on it re-raises it
            raise
        else:
            outcome.set_result(result)
            return result
        finally:
            del self._running[update_id]

    async def _once(self, update_id: int, handle: Callable[[], Awaitable[bool]]) -> bool:
        try:
            if await self._answered(update_id):
                log.info("update %s was handled already: not again", update_id)
                return True
        except Exception as exc:
            if infrastructure(exc):
                log.warning("update %s must come again: %r", update_id, exc)
                return False
            raise
        if not await handle():
            return False
        try:
            await self._record(update_id)
        except Exception as exc:  # answered, but not written down: a re-delivery would repeat it
            log.warning("update %s answered but not recorded: %s", update_id, exc)
        return True

    async def _answered(self, update_id: int) -> bool:
        async with self.sessions() as session:
            found = await session.execute(
                select(HandledUpdate.update_id).where(HandledUpdate.update_id == update_id)
            )
            return found.first() is not None

    async def _record(self, update_id: int) -> None:
        waiting = self._pending.get(update_id)
        if waiting is None:
            waiting = self._pending[update_id] = asyncio.get_running_loop().create_future()
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write())
        await asyncio.shield(waiting)

    async def _write(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, {}
                try:
                    async with self.sessions.begin() as session:
                        await _insert(session, list(batch))
                except Exception as exc:
                    for waiting in batch.values():
                        waiting.set_exception(exc)
                        waiting.exception()  # retrieved even if nobody awaits it any more
                    continue
                for waiting in batch.values():
                    waiting.set_result(None)
        finally:
            self._writer = None


async def _insert(session: AsyncSession, update_ids: list[int]) -> None:
    insert = dialect_insert(session)
    now = utcnow()
    rows = [{"update_id": i, "handled_at": now} for i in sorted(update_ids)]
    await session.execute(insert(HandledUpdate).values(rows).on_conflict_do_nothing())


async def prune(session: AsyncSession) -> int:
    """Forget updates handled long enough ago that Telegram no longer delivers them."""
    gone = await session.execute(
        delete(HandledUpdate).where(HandledUpdate.handled_at < utcnow() - KEEP)
    )
    return int(gone.rowcount)  # type: ignore[attr-defined]
