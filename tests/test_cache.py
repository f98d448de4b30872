import asyncio

import pytest

from bot.cache import MISSING, TtlCache


def test_entries_expire_and_the_oldest_go_first() -> None:
    now = [0.0]
    cache = TtlCache(ttl=30, size=2, clock=lambda: now[0])
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    now[0] = 31
    assert cache.get("a") is None and cache.get("c") is None


def test_a_cached_none_is_told_apart_from_a_miss() -> None:
    now = [0.0]
    cache = TtlCache(ttl=30, size=4, clock=lambda: now[0])
    assert cache.get("fx", MISSING) is MISSING
    cache.put("fx", None)
    assert cache.get("fx", MISSING) is None
    now[0] = 31
    assert cache.get("fx", MISSING) is MISSING


async def test_concurrent_askers_share_one_making_and_failures_are_not_kept() -> None:
    cache = TtlCache(ttl=30, size=4)
    made: list[int] = []
    gate = asyncio.Event()

    async def make() -> int:
        made.append(1)
        await gate.wait()
        return len(made)

    askers = [asyncio.ensure_future(cache.get_or_make("q", make)) for _ in range(5)]
    await asyncio.sleep(0)
    askers[0].cancel()  # one shopper gives up: the others still get the answer
    gate.set()
    results = await asyncio.gather(*askers, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError) and results[1:] == [1, 1, 1, 1]
    assert made == [1] and await cache.get_or_make("q", make) == 1

    async def fail() -> int:
        raise LookupError("down")

    for _ in range(2):
        with pytest.raises(LookupError):
            await cache.get_or_make("other", fail)
    assert cache.get("other", MISSING) is MISSING
