"""The sharing half's scheduled work, each in one process of many (leases): watches that came
true after a sync or a live check, and the communities' digests (posted by the Telegram side,
handlers/digests.py, handed in as `post`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.process import leases
from bot.process.deps import Deps
from bot.services import watches

log = logging.getLogger(__name__)

EVERY = timedelta(minutes=1)
HOLDER = "community-jobs"


async def fire_watches(deps: Deps) -> int:
    """Fire the watches that came true (an alert each, once), then have the alerts sent."""
    async with deps.sessions.begin() as session:
        fired = await watches.fire_due(session)
    if fired:
        log.info("%d watches fired", fired)
        deps.payments.on_alerts()
    return fired


async def scheduled_watches(deps: Deps, holder: str) -> None:
    await leases.run_when_due(deps.sessions, "watches", holder, EVERY, lambda: fire_watches(deps))


async def scheduled_digests(deps: Deps, holder: str, post: Callable[[], Awaitable[int]]) -> None:
    """Post the digests due, in one process of many."""
    ran, posted = await leases.run_when_due(deps.sessions, "digests", holder, EVERY, post)
    if ran and posted:
        log.info("%d digests posted", posted)
