"""The pacer's budgets: when each is free again, kept in this process (`LocalBudgets`) or in
Redis for every process of the bot (`RedisBudgets`, one Lua script doing what `decide` does, on
Redis's clock). The rules themselves are described in bot/telegram/pacer.py."""

from __future__ import annotations

import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

from bot.telegram.windows import NOW_LUA, Window

if TYPE_CHECKING:
    from redis.asyncio import Redis

Clock = Callable[[], float]
_EPSILON: Final = 1e-4  # a wake-up this early still counts as on time


@dataclass(frozen=True, slots=True)
class Ask:
    """What one send takes: the overall budget (key `budget`) for `interval` seconds; the
    chat's budget (key `chat`) for `chat_interval` seconds, which the send waits for when
    `chat_waits` (else it only records itself there), allowed `chat_burst` seconds ahead of it
    (a burst: a reply may go while the chat's budget is that much in the future). `windows`:
    where the send is counted until its answer ages out (bot/telegram/windows.py)."""

    budget: str
    interval: float
    alert: bool = False
    chat: str | None = None
    chat_interval: float = 0.0
    chat_waits: bool = False
    chat_burst: float = 0.0
    windows: tuple[Window, ...] = ()


@dataclass(frozen=True, slots=True)
class Grant:
    """A budget's answer. Granted: sleep `wait` (until the reserved slot), then send. Refused:
    sleep `wait`, then ask again; `reason` says what is busy: pause, chat or budget."""

    granted: bool
    wait: float
    reason: str = ""


class Budgets(Protocol):
    async def take(self, ask: Ask) -> Grant: ...

    async def pause(self, seconds: float) -> None: ...


def decide(ask: Ask, now: float, free_at: MutableMapping[str, float], paused: float) -> Grant:
    """The pacing rules over `free_at` (key -> when its budget is free again), which it updates
    when the send is granted; `_TAKE` below is the same in Lua."""
    if paused > now:
        return Grant(False, paused - now, "pause")
    chat_at = free_at.get(ask.chat, 0.0) if ask.chat else 0.0
    if ask.chat_waits and chat_at - ask.chat_burst > now + _EPSILON:
        return Grant(False, chat_at - ask.chat_burst - now, "chat")
    at = free_at.get(ask.budget, 0.0)
    if ask.alert and at > now + ask.interval + _EPSILON:  # an alert reserves one slot ahead
        return Grant(False, at - ask.interval - now, "budget")
    slot = max(now, at)
    free_at[ask.budget] = slot + ask.interval
    if ask.chat:
        free_at[ask.chat] = max(chat_at, slot) + ask.chat_interval
    return Grant(True, slot - now)


class LocalBudgets:
    """The budgets in this process's memory (no Redis, or Redis away)."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._free_at: dict[str, float] = {}
        self._paused = 0.0

    async def take(self, ask: Ask) -> Grant:
        now = self._clock()
        if len(self._free_at) > 4096:  # forget chats whose budget is free anyway
            self._free_at = {k: at for k, at in self._free_at.items() if at > now}
        return decide(ask, now, self._free_at, self._paused)

    async def pause(self, seconds: float) -> None:
        self._paused = max(self._paused, self._clock() + seconds)


# KEYS: pause, chat, budget; ARGV: now ("" = Redis's clock), alert (1/0), chat interval
# (0 = no chat), chat waits (1/0), the budget's interval, the chat's burst. Times are kept as
# "%.6f" strings (Lua numbers would come back truncated to integers), each key expiring a
# second after its budget is free again.
_PRELUDE = (
    NOW_LUA
    + """
local function read(key)
  local v = redis.call('GET', key)
  if v then return tonumber(v) end
  return 0
end
local function write(key, at)
  redis.call('SET', key, string.format('%.6f', at), 'PX', math.ceil((at - now) * 1000) + 1000)
end
"""
)
_TAKE = (
    _PRELUDE
    + """
local function refuse(at, reason) return {0, string.format('%.6f', at - now), reason} end
local paused = read(KEYS[1])
if paused > now then return refuse(paused, 'pause') end
local chat_interval = tonumber(ARGV[3])
local chat_at = 0
if chat_interval > 0 then chat_at = read(KEYS[2]) end
local burst = tonumber(ARGV[6])
if ARGV[4] == '1' and chat_at - burst > now + 0.0001 then
  return refuse(chat_at - burst, 'chat')
end
local at = read(KEYS[3])
local interval = tonumber(ARGV[5])
if ARGV[2] == '1' and at > now + interval + 0.0001 then return refuse(at - interval, 'budget') end
local slot = math.max(now, at)
write(KEYS[3], slot + interval)
if chat_interval > 0 then write(KEYS[2], math.max(chat_at, slot) + chat_interval) end
return {1, string.format('%.6f', slot - now), ''}
"""
)
_PAUSE = (
    _PRELUDE
    + """
local resume = now + tonumber(ARGV[2])
if resume > read(KEYS[1]) then write(KEYS[1], resume) end
return string.format('%.6f', resume - now)
"""
)


class RedisBudgets:
    """The budgets in Redis, shared by every process of the bot. `clock=None` (production)
    uses Redis's clock, the one clock all processes share; tests pass a virtual one."""

    def __init__(self, redis: Redis, prefix: str, clock: Clock | None = None) -> None:
        self._take = redis.register_script(_TAKE)
        self._pause = redis.register_script(_PAUSE)
        self._prefix = prefix
        self._clock = clock

    def _now(self) -> str:
        return "" if self._clock is None else repr(self._clock())

    async def take(self, ask: Ask) -> Grant:
        keys = [f"{self._prefix}:pause", ask.chat or f"{self._prefix}:chat:-", ask.budget]
        chat_interval = ask.chat_interval if ask.chat else 0.0
        args = [self._now(), str(int(ask.alert)), repr(chat_interval), str(int(ask.chat_waits))]
        args += [repr(ask.interval), repr(ask.chat_burst)]
        granted, wait, reason = await self._take(keys=keys, args=args)
        return Grant(bool(granted), float(wait), _text(reason))

    async def pause(self, seconds: float) -> None:
        await self._pause(keys=[f"{self._prefix}:pause"], args=[self._now(), repr(seconds)])


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
