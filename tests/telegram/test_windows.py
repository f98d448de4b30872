"""The pacer's windows, in the process and in Redis: a send counts from when it is let through
until a span after its answer, an unanswered one is forgotten after FLIGHT."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.telegram.windows import FLIGHT, POLL, LocalWindows, RedisWindows, Window, Windows
from tests.support import Clock
from tests.telegram.conftest import REDIS_URL


@pytest.fixture(params=["local", "redis"])
async def store(request: pytest.FixtureRequest, clock: Clock) -> AsyncIterator[Windows]:
    if request.param == "local":
        yield LocalWindows(clock)
        return
    if not REDIS_URL:
        pytest.skip("REDIS_URL not set")
    client = Redis.from_url(REDIS_URL)
    yield RedisWindows(client, clock)
    await client.aclose()


@pytest.fixture
def clock() -> Clock:
    return Clock(1_000_000.0)


@pytest.fixture
def key() -> str:
    return f"test:pace:{uuid.uuid4().hex}:window"


async def test_a_full_window_waits_for_its_oldest_answer_to_age_out(
    store: Windows, clock: Clock, key: str
) -> None:
    two = [Window(key, 1.0, 2)]
    assert await store.enter(two, "a") == 0
    assert await store.enter(two, "b") == 0
    assert await store.enter(two, "c") == pytest.approx(POLL)  # both still on their way
    clock.now += 0.3
    await store.leave(two, "a")  # answered: counted one second more
    clock.now += 0.2
    assert await store.enter(two, "c") == pytest.approx(0.8)
    clock.now += 0.8
    assert await store.enter(two, "c") == 0
    assert await store.enter(two, "d") == pytest.approx(POLL)  # b and c are on their way


async def test_a_send_is_let_through_only_when_every_window_has_room(
    store: Windows, clock: Clock, key: str
) -> None:
    overall, group = Window(f"{key}:all", 1.0, 30), Window(f"{key}:group", 60.0, 1)
    assert await store.enter([overall, group], "a") == 0
    await store.leave([overall, group], "a")
    assert await store.enter([overall, group], "b") == pytest.approx(60.0)
    assert await store.enter([overall], "c") == 0  # refused b was counted nowhere
    clock.now += 60
    assert await store.enter([overall, group], "b") == 0


async def test_a_batch_counts_each_message_and_an_empty_window_takes_any(
    store: Windows, clock: Clock, key: str
) -> None:
    assert await store.enter([Window(key, 1.0, 3, count=5)], "album") == 0  # never stuck
    assert await store.enter([Window(key, 1.0, 3)], "next") > 0
    await store.leave([Window(key, 1.0, 3, count=5)], "album")
    clock.now += 1.0
    assert await store.enter([Window(key, 1.0, 3, count=2)], "pair") == 0
    assert await store.enter([Window(key, 1.0, 3, count=2)], "pair2") > 0
    assert await store.enter([Window(key, 1.0, 3)], "one") == 0


async def test_a_send_never_answered_is_forgotten_after_its_flight(
    redis: Redis, clock: Clock, key: str
) -> None:
    dead = RedisWindows(redis, clock)  # a process killed while its send was on the way
    one = [Window(key, 1.0, 1)]
    assert await dead.enter(one, "lost") == 0
    other = RedisWindows(redis, clock)
    assert await other.enter(one, "next") == pytest.approx(POLL)
    clock.now += FLIGHT
    assert await other.enter(one, "next") == 0
    assert await redis.ttl(key) > 0  # nothing stays behind for ever
