"""Webhook events applied in batches: many deliveries arriving together share one transaction.

A provider's webhook (payments, couriers) answers only once its event is committed. Applying
each in its own transaction costs a dozen round trips per event; `Batcher.submit` instead
parks the event, and one writer task gathers whatever arrives within GATHER_SECONDS and applies
it with one call of `apply(session, items)` in one transaction (a handful of statements for
the batch). On PostgreSQL the next batch gathers while the previous one is applied (at most
`writers` at once); SQLite's writers take turns anyway. A batch that fails for a reason other
than the database is applied again one item at a time, so only the bad item fails.
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import FIRST_COMPLETED
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.faults import infrastructure

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

BATCH = 200  # items applied in one transaction at most
# How long a batch waits for company: a burst is applied in few, large transactions instead of
# many small ones. A lone event is 3 ms later for it.
GATHER_SECONDS = 0.003
WRITERS = 2  # batches being applied at once on PostgreSQL


class Batcher(Generic[T, R]):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        apply: Callable[[AsyncSession, Sequence[T]], Awaitable[list[R]]],
        name: str,
    ) -> None:
        self.sessions, self.apply, self.name = sessions, apply, name
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None
        bind = sessions.kw.get("bind")
        self._max_writers = 1 if bind is None or bind.dialect.name == "sqlite" else WRITERS

    async def submit(self, item: T) -> R:
        """`item` applied and committed with the others arriving now; its result."""
        loop = asyncio.get_running_loop()
        waiting: asyncio.Future[R] = loop.create_future()
        self._pending.append((item, waiting))
        if self._writer is None:
            self._writer = loop.create_task(self._write())
        return await asyncio.shield(waiting)

    async def _write(self) -> None:
        applying: set[asyncio.Task[None]] = set()
        try:
            while self._pending or applying:
                if not self._pending:
                    _, applying = await asyncio.wait(applying, return_when=FIRST_COMPLETED)
                    continue
                await asyncio.sleep(GATHER_SECONDS)  # let the events arriving now join
                batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
                applying.add(asyncio.get_running_loop().create_task(self._apply(batch)))
                if len(applying) >= self._max_writers:
                    _, applying = await asyncio.wait(applying, return_when=FIRST_COMPLETED)
        finally:
            self._writer = None

    async def _apply(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            async with self.sessions.begin() as session:
                results = await self.apply(session, [item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1 or infrastructure(exc):
                for _, waiting in batch:
                    waiting.set_exception(exc)
                    waiting.exception()  # retrieved even if nobody awaits it any more
                return
            # One item the batch could not take: each alone, so only it fails.
            log.warning("a batch of %d %s failed: %r", len(batch), self.name, exc)
            await self._one_by_one(batch)
            return
        for (_, waiting), result in zip(batch, results, strict=True):
            waiting.set_result(result)

    async def _one_by_one(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        for item, waiting in batch:
            try:
                async with self.sessions.begin() as session:
                    (result,) = await self.apply(session, [item])
            except Exception as exc:
                waiting.set_exception(exc)
                waiting.exception()
            else:
                waiting.set_result(result)
