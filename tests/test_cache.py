from bot.cache import TtlCache


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
