"""Which Telegram updates were answered: each update is handled once, whatever re-delivers it.

An update is answered (the webhook's 200, the polling offset moved past it) only once it was
processed; one that met a failure of the infrastructure is left for Telegram to deliver again.
So a stopped, killed or cut-off process loses no message, and a re-delivered one (to this
process or another) must not be answered twice: handled update ids are recorded in the
database after it is handled: gathered for FLUSH_SECONDS into one transaction, which the answer
does not wait for (waiting, and a transaction per update, cost a third of the replies per
second). Telegram only delivers an update again when it did not get its acknowledgement, so the
record matters only if a process dies after answering and before acknowledging: the gathering
widens that window by FLUSH_SECONDS. A re-delivery that arrives while the same process still
handles the first delivery waits for that one's outcome.

Reading the record before every update halved the replies per second (bench/README.md), so it is
read only for an update that may have been handled: Telegram numbers updates in increasing
order, so one numbered above every update handled before this process started and above every
update this process has seen is new. One at or below is looked up (with the others asked at the
same moment, in one query). The one case this lets through: a process that answered an update
and died before acknowledging it, whose re-delivery reaches another process that has seen no
later update since; under traffic every process soon has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import dialect_insert, utcnow
from bot.faults import infrastructure
from bot.models import HandledUpdate

log = logging.getLogger(__name__)

KEEP = timedelta(days=2)  # Telegram keeps an undelivered update for a day
FLUSH_SECONDS = 0.02  # handled ids gathered into one write


class Handled:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._running: dict[int, asyncio.Future[bool]] = {}
        self._pending: set[int] = set()  # handled, waiting for the writer
        self._unwritten: set[int] = set()  # handled, not yet committed
        self._writer: asyncio.Task[None] | None = None
        self._asked: dict[int, asyncio.Future[bool]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._floor: int | None = None  # the highest update handled before this process began
        self._reading_floor = asyncio.Lock()
        self._highest = 0  # the highest update this process has taken up

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
            if await self._seen(update_id):
                log.info("update %s was handled already: not again", update_id)
                return True
        except Exception as exc:
            if infrastructure(exc):
                log.warning("update %s must come again: %r", update_id, exc)
                return False
            raise
        if not await handle():
            return False
        self._note(update_id)
        return True

    async def _seen(self, update_id: int) -> bool:
        if update_id in self._unwritten:
            return True
        return not await self._new(update_id) and await self._answered(update_id)

    async def _new(self, update_id: int) -> bool:
        """Whether the update is certainly new: numbered above all handled before (see above)."""
        if self._floor is None:
            async with self._reading_floor:  # read once, by the first of a crowd
                if self._floor is None:
                    async with self.sessions() as session:
                        found = await session.execute(select(func.max(HandledUpdate.update_id)))
                        self._floor = found.scalar() or 0
        new = update_id > max(self._floor, self._highest)
        self._highest = max(self._highest, update_id)
        return new

    async def _answered(self, update_id: int) -> bool:
        """Whether the update was handled: asked together with the updates that arrive while
        the previous question is under way (one query for a crowd, not one each)."""
        asked = self._asked.get(update_id)
        if asked is None:
            asked = self._asked[update_id] = asyncio.get_running_loop().create_future()
        if self._reader is None:
            self._reader = asyncio.get_running_loop().create_task(self._read())
        return await asyncio.shield(asked)

    async def _read(self) -> None:
        try:
            while self._asked:
                batch, self._asked = self._asked, {}
                try:
                    async with self.sessions() as session:
                        found = set(
                            (
                                await session.execute(
                                    select(HandledUpdate.update_id).where(
                                        HandledUpdate.update_id.in_(list(batch))
                                    )
                                )
                            ).scalars()
                        )
                except Exception as exc:
                    for asked in batch.values():
                        asked.set_exception(exc)
                        asked.exception()  # retrieved even if nobody awaits it any more
                    continue
                for update_id, asked in batch.items():
                    asked.set_result(update_id in found)
        finally:
            self._reader = None

    def _note(self, update_id: int) -> None:
        """Write `update_id` down with the others handled within FLUSH_SECONDS (one
        transaction for a crowd; the answer does not wait for it, see above)."""
        self._pending.add(update_id)
        self._unwritten.add(update_id)
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        try:
            while self._pending:
                await asyncio.sleep(FLUSH_SECONDS)
                batch, self._pending = self._pending, set()
                try:
                    async with self.sessions.begin() as session:
                        await _insert(session, sorted(batch))
                except Exception as exc:  # a re-delivery of these would be answered again
                    log.warning("%d handled update ids not recorded: %s", len(batch), exc)
                finally:
                    self._unwritten -= batch
        finally:
            self._writer = None

    async def close(self) -> None:
        """Write down what is still pending (the process is stopping)."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._writer)


async def _insert(session: AsyncSession, update_ids: list[int]) -> None:
    insert = dialect_insert(session)
    now = utcnow()
    rows = [{"update_id": i, "handled_at": now} for i in update_ids]
    await session.execute(insert(HandledUpdate).values(rows).on_conflict_do_nothing())


async def prune(session: AsyncSession) -> int:
    """Forget updates handled long enough ago that Telegram no longer delivers them."""
    gone = await session.execute(
        delete(HandledUpdate).where(HandledUpdate.handled_at < utcnow() - KEEP)
    )
    return int(gone.rowcount)  # type: ignore[attr-defined]
