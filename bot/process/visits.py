"""Visits: the one write most updates need (users.touch), made for many updates at once.

A first contact, or a shopper not seen for five minutes, costs a write. When many arrive
together (a deal post sends a crowd to the bot), writing them one transaction each makes them
queue for SQLite's single writer and pay a commit apiece. Here the first visit is written at
once; visits arriving while that write is under way are written together by the next
transaction, and so on: no timer, no added wait when the bot is quiet, one commit per batch
when it is busy (group commit).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import User
from bot.process.user_cache import committed_generation
from bot.services import users


@dataclass
class Visit:
    language: str | None
    waiting: list[asyncio.Future[tuple[User, int | None]]] = field(default_factory=list)


class Visits:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._pending: dict[int, Visit] = {}
        self._writer: asyncio.Task[None] | None = None
        self._batch: dict[int, Visit] = {}  # being written
        self.batches = 0  # transactions written, for tests and metrics

    async def record(self, user_id: int, telegram_language: str | None) -> tuple[User, int | None]:
        """Record a visit; returns the user's row and the user cache generation of the commit
        that wrote it (see bot/user_cache.py). Raises what writing the batch raised."""
        visit = self._pending.setdefault(user_id, Visit(telegram_language))
        visit.language = telegram_language  # the latest update's language wins
        done = asyncio.get_running_loop().create_future()
        visit.waiting.append(done)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())
            self._writer.add_done_callback(self._stopped)
        return await done

    async def _write(self) -> None:
        while self._pending:
            self._batch, self._pending = self._pending, {}
            self.batches += 1
            try:
                async with self.sessions.begin() as session:
                    rows = await users.touch_many(
                        session, {uid: v.language for uid, v in self._batch.items()}
                    )
            except Exception as exc:  # every visit in the batch hears why
                batch, self._batch = self._batch, {}
                for visit in batch.values():
                    _settle(visit, exc)
                continue
            batch, self._batch = self._batch, {}  # (if cancelled, _stopped settles it)
            generation = committed_generation(session)
            for user_id, visit in batch.items():
                _settle(visit, (rows[user_id], generation))

    def _stopped(self, writer: asyncio.Task[None]) -> None:
        """The writer ended. Normally: visits that came after its last batch, before this
        callback ran, get a writer of their own (failing them lost those shoppers' messages
        under load). Cancelled (shutting down, maybe before it ever ran) or failed: nobody may
        wait forever."""
        if self._writer is writer:
            self._writer = None
        if not writer.cancelled() and writer.exception() is None:
            if self._pending and self._writer is None:
                self._writer = asyncio.get_running_loop().create_task(self._write())
                self._writer.add_done_callback(self._stopped)
            return
        left = [*self._batch.values(), *self._pending.values()]
        self._batch, self._pending = {}, {}
        if left:
            reason = "cancelled" if writer.cancelled() else repr(writer.exception())
            gone = RuntimeError(f"visit not recorded: {reason}")
            for visit in left:
                _settle(visit, gone)

    async def close(self) -> None:
        """Finish the batch being written (its callers are waiting for it)."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._writer)


def _settle(visit: Visit, outcome: tuple[User, int | None] | BaseException) -> None:
    for waiting in visit.waiting:
        if waiting.done():  # its update was cancelled meanwhile
            continue
        if isinstance(outcome, BaseException):
            waiting.set_exception(outcome)
        else:
            waiting.set_result(outcome)
