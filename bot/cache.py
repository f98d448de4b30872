"""A small time-bounded cache for answers many people ask within seconds (popular searches,
today's exchange rates). Per process and short-lived on purpose: after a sync, results are at
most `ttl` seconds old, and no process depends on another's cache.

`get_or_make` also makes each answer once at a time: when a deal post sends a hundred shoppers
to the same search in the same second, one query runs and the others wait for its answer."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

MISSING: Any = object()  # get()'s default: tells "not cached" apart from a cached None


class TtlCache:
    def __init__(self, ttl: float, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.size, self.clock = ttl, size, clock
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._making: dict[Hashable, asyncio.Future[Any]] = {}

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The cached value, or `default` when absent or older than the TTL (pass MISSING to
        cache None, such as "no exchange rates yet", and still tell a miss apart)."""
        found = self._items.get(key)
        if found is None:
            return default
        stamp, value = found
        if self.clock() - stamp > self.ttl:
            del self._items[key]
            return default
        self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        self._items[key] = (self.clock(), value)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    async def get_or_make(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        """The cached value, else `make()`'s, cached; concurrent callers share one `make()`.

        A failure is not cached: every caller waiting on it gets the exception, and the next
        call tries again. A caller cancelled while waiting does not cancel the others' wait.
        """
        value = self.get(key, MISSING)
        if value is not MISSING:
            return value
        making = self._making.get(key)
        if making is None:
            making = asyncio.ensure_future(make())
            self._making[key] = making
            making.add_done_callback(lambda done: self._made(key, done))
        return await asyncio.shield(making)

    def _made(self, key: Hashable, done: asyncio.Future[Any]) -> None:
        del self._making[key]
        if not done.cancelled() and done.exception() is None:
            self.put(key, done.result())

    def clear(self) -> None:
        self._items.clear()
