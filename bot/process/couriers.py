"""Tracking numbers between the database and the courier providers (AfterShip, 17TRACK).

Webhook deliveries are verified by the provider's adapter and applied in batches
(bot/process/batches.py, bot/services/tracking_updates.py); alerts follow the commit. A number
is registered with its provider after the transaction that started tracking it, never inside
one. Polling covers what push does not: a number whose provider sends no webhooks here is
asked every POLL_MINUTES, one pushed to us every SAFETY_POLL_HOURS in case a delivery was
lost; the poll runs in one process of many under the lease "tracking" (bot/process/leases.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import models
from bot.db import utcnow
from bot.process import leases
from bot.process.batches import Batcher
from bot.services import tracking, tracking_updates
from bot.services.tracking_updates import Ingested
from integrations.couriers import base as couriers
from integrations.couriers.base import CourierBase
from integrations.errors import IntegrationError, NotConfigured
from integrations.http import HttpClient
from integrations.types import TrackingUpdate

log = logging.getLogger(__name__)

PREFERENCE = ("aftership", "17track")  # which configured provider follows a new number
POLL_MINUTES = 30
SAFETY_POLL_HOURS = 6
POLL_EVERY = timedelta(minutes=1)  # how often the lease holder looks for numbers due
POLL_BATCH = 40
POLL_CONCURRENCY = 4


def providers(env: Mapping[str, str], http: HttpClient) -> dict[str, CourierBase]:
    """Every courier provider configured in `env`, by name."""
    found: dict[str, CourierBase] = {}
    for name in couriers.configured(env):
        try:
            found[name] = couriers.create(name, env, http)
        except NotConfigured:
            continue
    return found


@dataclass(frozen=True, slots=True)
class Followed:
    tracking: models.Tracking
    new: bool  # the chat did not follow it before


class Couriers:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], providers: dict[str, CourierBase]
    ) -> None:
        self.sessions = sessions
        self.providers = providers
        self.on_alerts: Callable[[], None] = lambda: None  # after a commit that queued alerts
        self._batches: Batcher[TrackingUpdate, Ingested] = Batcher(
            sessions, tracking_updates.ingest_many, "courier updates"
        )
        self._holder = f"{os.getpid()}-{id(self):x}"
        self._tasks: set[asyncio.Task[object]] = set()

    @property
    def preferred(self) -> str | None:
        return next((name for name in PREFERENCE if name in self.providers), None)

    def provider(self, name: str) -> CourierBase | None:
        return self.providers.get(name)

    async def receive(self, update: TrackingUpdate) -> Ingested:
        """Apply a verified update once (with the others arriving now); alerts follow."""
        ingested = await self._batches.submit(update)
        if ingested.outcome == "moved":
            self.on_alerts()
        return ingested

    async def follow(self, user_id: int, number: str, carrier: str | None) -> Followed:
        """`user_id` follows `number` (normalized); a number new to us is registered with the
        preferred provider after the commit and asked about at once."""
        async with self.sessions.begin() as session:
            track = await tracking.start(session, number, carrier, self.preferred)
            new = await tracking.follow(session, user_id, track)
        if not track.registered and track.provider:
            self.later(self.poll([track.id]))
        return Followed(track, new)

    async def unfollow(self, user_id: int, tracking_id: int) -> bool:
        async with self.sessions.begin() as session:
            return await tracking.unfollow(session, user_id, tracking_id)

    async def poll_due(self) -> int:
        """Ask the providers about the numbers due, in one process of many; how many."""
        ran, asked = await leases.run_when_due(
            self.sessions, "tracking", self._holder, POLL_EVERY, self._poll_due
        )
        return (asked or 0) if ran else 0

    async def _poll_due(self) -> int:
        async with self.sessions() as session:
            due = await tracking.due(session, utcnow(), POLL_BATCH)
        await self.poll([t.id for t in due])
        return len(due)

    async def poll(self, tracking_ids: list[int]) -> None:
        """Register (if need be) and fetch these numbers, a few at a time."""
        gate = asyncio.Semaphore(POLL_CONCURRENCY)

        async def one(tracking_id: int) -> None:
            async with gate:
                await self._poll_one(tracking_id)

        await asyncio.gather(*(one(i) for i in tracking_ids))

    async def _poll_one(self, tracking_id: int) -> None:
        async with self.sessions() as session:
            track = await tracking.get(session, tracking_id)
        if track is None or track.provider is None:
            return
        courier = self.providers.get(track.provider)
        if courier is None:
            return
        registered = track.registered
        try:
            if not registered:
                await courier.register(track.number, track.carrier)
                registered = True
            update = await courier.fetch(track.number, track.carrier)
        except IntegrationError as exc:
            log.warning("tracking %s not polled at %s: %s", track.id, track.provider, exc)
            async with self.sessions.begin() as session:
                await tracking.polled(session, [track.id], utcnow() + timedelta(
                    minutes=POLL_MINUTES), registered)  # fmt: skip
            return
        ingested = await self.receive(update)
        wait = timedelta(hours=SAFETY_POLL_HOURS) if courier.push else timedelta(
            minutes=POLL_MINUTES)  # fmt: skip
        final = ingested.status in tracking.FINAL
        async with self.sessions.begin() as session:
            await tracking.polled(session, [track.id], None if final else utcnow() + wait, True)

    def later(self, work: Coroutine[Any, Any, object]) -> None:
        """Run `work` in the background; close() waits for it."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
