"""Long polling that confirms an update only once it is handled.

Telegram considers an update delivered as soon as getUpdates is called with a higher offset.
python-telegram-bot's Updater moves the offset past every update it fetched at once, so an
update in hand when the process stops or the database is away was lost. Here the offset stays
at the oldest update not yet handled: updates in hand are fetched again (and skipped) while
newer ones are taken up; one that failed for a reason outside it is fetched and tried again
after a pause that grows while failures go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from telegram import Update
from telegram.error import NetworkError, TelegramError, TimedOut

from bot.telegram.app import ShopbotApplication

log = logging.getLogger(__name__)

POLL_SECONDS = 30  # how long one getUpdates waits for something new
BUSY_SECONDS = 0.5  # how long to let work in hand finish before asking again
BACKOFF_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0)
GRACE_SECONDS = 25.0  # what a stop waits for the updates in hand


class Poller:
    def __init__(self, app: ShopbotApplication) -> None:
        self.app = app
        self.pending: dict[int, asyncio.Task[bool]] = {}
        self.done: set[int] = set()  # handled, not yet confirmed (below the offset's move)
        self.offset: int | None = None
        self.failures = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch and handle updates until `stop` is set; then finish those in hand, confirm
        what was handled and return."""
        while not stop.is_set():
            try:
                updates = await self._fetch(stop)
            except asyncio.CancelledError:
                if stop.is_set():  # the long poll was cut short by the stop
                    break
                raise
            except TimedOut:
                continue
            except TelegramError as exc:  # the network, or another process polling (Conflict)
                log.warning("getUpdates failed: %s", exc)
                await self._pause(stop)
                continue
            fresh = [
                u
                for u in updates
                if u.update_id not in self.pending and u.update_id not in self.done
            ]
            for update in fresh:
                self.pending[update.update_id] = asyncio.create_task(self.app.handle(update))
            if self.pending and not fresh:
                await _first_of(self.pending.values(), stop, BUSY_SECONDS)
            again, handled = self._settle()
            if again:
                await self._pause(stop)
            elif handled:
                self.failures = 0
        await self._finish()

    async def _fetch(self, stop: asyncio.Event) -> tuple[Update, ...]:
        """One getUpdates, given up (CancelledError) as soon as `stop` is set."""
        fetching = asyncio.ensure_future(
            self.app.bot.get_updates(
                offset=self.offset,
                timeout=0 if self.pending else POLL_SECONDS,
                read_timeout=POLL_SECONDS + 10,
                allowed_updates=Update.ALL_TYPES,
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait([fetching, stopping], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not fetching.done():
            fetching.cancel()
        return await fetching

    def _settle(self) -> tuple[bool, bool]:
        """Take in the finished updates and move the offset; whether one must come again, and
        whether one was handled."""
        again: set[int] = set()
        handled = False
        for update_id, task in list(self.pending.items()):
            if not task.done():
                continue
            del self.pending[update_id]
            if task.cancelled() or task.exception() is not None or not task.result():
                again.add(update_id)
            else:
                self.done.add(update_id)
                handled = True
        waiting = again | set(self.pending)
        if waiting:
            self.offset = min(waiting)
        elif self.done:
            self.offset = max(self.done) + 1
        if self.offset is not None:
            self.done = {i for i in self.done if i >= self.offset}
        return bool(again), handled

    async def _pause(self, stop: asyncio.Event) -> None:
        delay = BACKOFF_SECONDS[min(self.failures, len(BACKOFF_SECONDS) - 1)]
        self.failures += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)

    async def _finish(self) -> None:
        if self.pending:
            await asyncio.wait(self.pending.values(), timeout=GRACE_SECONDS)
        self._settle()
        for task in self.pending.values():  # still running after the grace: delivered again
            task.cancel()
        if self.offset is not None:
            # confirms what was handled; what it returns stays unconfirmed, for the next process
            with contextlib.suppress(NetworkError):
                await self.app.bot.get_updates(offset=self.offset, limit=1, timeout=0)


async def _first_of(
    tasks: Iterable[asyncio.Task[bool]], stop: asyncio.Event, within: float
) -> None:
    """Wait until one of `tasks` finishes, `stop` is set, or `within` seconds pass."""
    stopping = asyncio.ensure_future(stop.wait())
    waiting: list[asyncio.Future[Any]] = [*tasks, stopping]
    try:
        await asyncio.wait(waiting, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
