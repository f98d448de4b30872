"""The per-process user cache: never serves a row older than a change it saw or heard of."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from bot.config import Settings
from bot.models import User
from bot.process.deps import Deps
from bot.process.user_cache import CHANNEL, UserCache, committed_generation
from bot.services import users
from tests.support import started

REDIS_URL = os.environ.get("REDIS_URL")


def row(user_id: int, language: str | None = None) -> User:
    return User(id=user_id, language=language)


def test_a_read_that_raced_a_change_is_not_kept() -> None:
    cache = UserCache()
    before = cache.generation
    cache.changed({1})  # committed while the read of user 1 was on its way
    cache.put(row(1, "en"), before)
    assert cache.get(1) is None
    cache.put(row(2, "en"), before)  # user 2 did not change: its read is good
    assert cache.get(2) is not None
    cache.put(row(1, "ru"), cache.generation)
    assert cache.get(1) is not None and cache.get(1).language == "ru"  # type: ignore[union-attr]
    cache.changed({1})
    assert cache.get(1) is None


def test_entries_expire_and_the_size_is_bounded() -> None:
    now = [0.0]
    cache = UserCache(ttl=300, size=2, clock=lambda: now[0])
    for user_id in (1, 2, 3):
        cache.put(row(user_id), cache.generation)
    assert cache.get(1) is None and cache.get(3) is not None
    now[0] = 301
    assert cache.get(3) is None


def test_with_redis_nothing_is_served_until_listening() -> None:
    cache = UserCache(Redis())  # never connected: run() was not started
    cache.put(row(1), cache.generation)
    assert cache.get(1) is None


async def cached_visit(deps: Deps, user_id: int) -> User:
    """What the middleware does on a first contact: record the user, keep the row."""
    async with deps.sessions.begin() as s:
        account = await users.touch(s, user_id, "en")
    deps.users.put(account, committed_generation(s))
    assert deps.users.get(user_id) is account
    return account


async def test_a_commit_that_wrote_a_user_drops_it(deps: Deps) -> None:
    account = await cached_visit(deps, 5)
    async with deps.sessions.begin() as s:
        await users.set_language(s, 5, "ru")
    assert deps.users.get(5) is None
    deps.users.put(account, deps.users.generation)
    with pytest.raises(RuntimeError):
        async with deps.sessions.begin() as s:  # a rolled back change drops nothing
            await users.set_currency(s, 5, "EUR")
            raise RuntimeError
    assert deps.users.get(5) is not None


needs_redis = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL not set")


@pytest.fixture
async def other_process(settings: Settings) -> AsyncIterator[Deps]:
    """A second set of services on the same database and Redis, as another process has."""
    async with started(settings) as other:
        yield other


async def _until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Poll: what is awaited happens in another connection, with no event to wait on."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


@needs_redis
async def test_a_change_in_one_process_reaches_the_others(deps: Deps, other_process: Deps) -> None:
    await _until(lambda: other_process.users.listening)
    await cached_visit(other_process, 9)
    async with deps.sessions.begin() as s:
        await users.set_language(s, 9, "ru")
    await _until(lambda: other_process.users.get(9) is None)


@needs_redis
async def test_a_lost_subscription_empties_the_cache(other_process: Deps) -> None:
    cache = other_process.users
    await _until(lambda: cache.listening)
    cache.put(row(3), cache.generation)
    assert cache.get(3) is not None
    redis = Redis.from_url(REDIS_URL)  # type: ignore[arg-type]
    try:
        await redis.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        await _until(lambda: cache.get(3) is None)
        await _until(lambda: cache.listening)  # subscribed again, starting empty
        assert cache.get(3) is None
        assert await redis.publish(CHANNEL, "elsewhere 3") >= 1
    finally:
        await redis.aclose()


async def test_redis_away_is_one_warning_not_one_per_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    away = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    cache = UserCache(away)
    try:
        with caplog.at_level(logging.DEBUG, logger="bot.process.user_cache"):
            for user_id in range(20):  # twenty shoppers change something while Redis is away
                cache.changed({user_id})
                await cache.close()  # the announcements are sent (and fail)
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "until Redis is back" in warnings[0].getMessage()
        assert cache.get(5) is None  # the change still took effect here
    finally:
        await away.aclose()
