"""The pacer's windows: the sends Telegram may still be counting, whatever the network did.

The budgets (bot/telegram/budgets.py) space sends as they *leave*. On their way the network,
the HTTP connection pool or Telegram's own front end can hold a few back and hand them on
together, and Telegram counts them when they reach it: a stall of 150 ms packs five sends
spaced for 30 a second into one instant, and the one-second window that then holds them holds
more than 30 (bench/alerts.py met exactly this: four alerts within a millisecond).

A window therefore counts each send from the moment it is let through until `span` seconds
after its answer came back, and lets a send through only while it holds fewer than `limit`.
Telegram saw the send at some moment between those two, so any `span`-long stretch of
Telegram's clock holds at most `limit` sends: take the last one let through among those it
holds; every other one was let through earlier and answered after the stretch began, so the
window still counted it when that last one was let through. Sends spaced by the budgets never
fill it (30 a second answered within a few milliseconds keep about 29 in it); only after a
stall does it hold the next ones back, until the sends it counts age out.

A send whose process dies before its answer is counted for `FLIGHT` seconds (longer than any
request may take), then forgotten. Kept in this process (`LocalWindows`) or in Redis for every
process of the bot (`RedisWindows`: a sorted set per window, scored by when each entry ages
out, on Redis's clock).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

Clock = Callable[[], float]
FLIGHT: Final = 120.0  # seconds an unanswered send is counted before it is forgotten
POLL: Final = 0.02  # seconds to wait when the window is full of sends still on their way


@dataclass(frozen=True, slots=True)
class Window:
    """At most `limit` messages within `span` seconds under `key`; a send takes `count`."""

    key: str
    span: float
    limit: int
    count: int = 1


class Windows(Protocol):
    async def enter(self, windows: Sequence[Window], token: str) -> float:
        """Count the send in every window and return 0, or count it nowhere and return how
        long to wait before asking again."""
        ...

    async def leave(self, windows: Sequence[Window], token: str) -> None:
        """The send's answer came back: it ages out of its windows `span` from now."""
        ...


def _full(window: Window, held: int) -> bool:
    return held > 0 and held + window.count > window.limit  # an empty window takes any batch


class LocalWindows:
    """The windows in this process's memory."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._ends: dict[str, list[float]] = {}  # heap: when each answered send ages out
        self._flying: dict[str, int] = {}  # sends let through, not answered yet

    async def enter(self, windows: Sequence[Window], token: str) -> float:
        now = self._clock()
        wait = 0.0
        for w in windows:
            ends = self._ends.setdefault(w.key, [])
            while ends and ends[0] <= now:
                heapq.heappop(ends)
            if _full(w, len(ends) + self._flying.get(w.key, 0)):
                wait = max(wait, ends[0] - now if ends else POLL)
        if wait:
            return wait
        for w in windows:
            self._flying[w.key] = self._flying.get(w.key, 0) + w.count
        return 0.0

    async def leave(self, windows: Sequence[Window], token: str) -> None:
        now = self._clock()
        for w in windows:
            self._flying[w.key] = max(0, self._flying.get(w.key, 0) - w.count)
            for _ in range(w.count):
                heapq.heappush(self._ends.setdefault(w.key, []), now + w.span)


# Lua: `now`, from ARGV[1] or ("") Redis's own clock; the pacer's scripts all start with it.
NOW_LUA = """
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
else
  now = tonumber(ARGV[1])
end
"""
# KEYS: the windows' sorted sets. ARGV: now, token, then span, limit and count for each key.
# Members are "<token>:<i>", scored by when they age out.
_ENTER = (
    NOW_LUA
    + f"""
local wait = 0
for i, key in ipairs(KEYS) do
  local span, limit = tonumber(ARGV[i * 3]), tonumber(ARGV[i * 3 + 1])
  local count = tonumber(ARGV[i * 3 + 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local held = redis.call('ZCARD', key)
  if held > 0 and held + count > limit then
    local first = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]) - now
    if first > span then first = {POLL} end
    if first > wait then wait = first end
  end
end
if wait > 0 then return string.format('%.6f', wait) end
for i, key in ipairs(KEYS) do
  local span, count = tonumber(ARGV[i * 3]), tonumber(ARGV[i * 3 + 2])
  for n = 1, count do redis.call('ZADD', key, now + {FLIGHT}, ARGV[2] .. ':' .. n) end
  redis.call('PEXPIRE', key, math.ceil(({FLIGHT} + span) * 1000))
end
return '0'
"""
)
_LEAVE = (
    NOW_LUA
    + """
for i, key in ipairs(KEYS) do
  local span, count = tonumber(ARGV[i * 3]), tonumber(ARGV[i * 3 + 2])
  for n = 1, count do redis.call('ZADD', key, 'XX', now + span, ARGV[2] .. ':' .. n) end
end
return 1
"""
)


class RedisWindows:
    """The windows in Redis, shared by every process of the bot (`clock=None`: Redis's clock)."""

    def __init__(self, redis: Redis, clock: Clock | None = None) -> None:
        self._enter = redis.register_script(_ENTER)
        self._leave = redis.register_script(_LEAVE)
        self._clock = clock

    def _args(self, windows: Sequence[Window], token: str) -> list[str]:
        args = ["" if self._clock is None else repr(self._clock()), token]
        for w in windows:
            args += [repr(w.span), str(w.limit), str(w.count)]
        return args

    async def enter(self, windows: Sequence[Window], token: str) -> float:
        keys = [w.key for w in windows]
        return float(await self._enter(keys=keys, args=self._args(windows, token)))

    async def leave(self, windows: Sequence[Window], token: str) -> None:
        await self._leave(keys=[w.key for w in windows], args=self._args(windows, token))
