"""The outgoing-message pacer: every request the bot makes goes through it (PTB's rate limiter
hook, `ExtBot._do_post`), and every message it sends keeps within Telegram's flood limits.

What counts. Telegram limits the messages a bot *sends*: the methods in `SENDS` (a media group or
a batch of forwarded/copied messages counts once per message). Edits, callback and inline answers,
chat actions and reads take no budget: the limits Telegram documents are on messages sent, and
holding a callback answer behind a queue of alerts would let its query expire. Every request,
counted or not, waits out a 429 (one met by another process: from this process's next send on,
when it hears of it).

The limits, per send:
- overall, `messages_per_second` (TELEGRAM_MESSAGES_PER_SECOND, at most 30; with paid broadcast
  at most 1,000, a message sent without `allow_paid_broadcast` then occupying the overall budget
  as long as one of 30 a second does: the paid alerts fill what the replies leave, and the
  free messages alone never go beyond 30 a second);
- a private chat: alerts at most one a second; replies up to PRIVATE_BURST at once (Telegram's
  burst), then one a second too, so a shopper typing fast waits for their own answers and
  never draws a 429 that would pause the whole bot;
- every message to a group or channel (a negative chat id or an @username), 20 a minute in that
  chat, spread evenly: one every 3 seconds.
Each limit is an even spacing (GCRA with no burst: a send occupies its budget for
`period / limit`), its period lengthened by `jitter` seconds. Spacing is kept as sends leave;
what Telegram counts is when they arrive, and a stall on the way packs several together. So
each send is also counted in *windows* (bot/telegram/windows.py) from when it is let through
until a second after its answer (a minute, in a group), and waits while the window holds the
limit: whatever the network does, no second of Telegram's clock holds more than the limit.

Replies first. A request is a reply unless `rate_limit_args` marks it an alert (`ALERT`, or
`{"alert": True}`; `ShopBot.send_html(..., alert=True)` does it). A reply *reserves* the next free
slot of the overall budget and sleeps until it, so replies queue in order. An alert takes a slot
only when the budget is free within one slot: no reply is waiting in any process (reserving
the next slot, it loses no time waking up). A running fan-out of alerts therefore delays a
reply by at most two slots (the alert going out, the one reserved next). Within a process one
alert at a time asks (the rest queue behind it, in order), so a fan-out costs one question a
slot, not one per waiting alert, and alerts to one chat go out in the order they were handed in.
With paid broadcast on, alerts carry `allow_paid_broadcast: true`.

Shared limits. With Redis the budgets are the bot's, not the process's: one Lua script checks and
takes a send's budgets atomically (keys `shopbot:pace:global` and `shopbot:pace:chat:<id>`, each
holding the time its budget is free again) on Redis's clock, and a 429 sets `shopbot:pace:pause`
for every process. When Redis fails the process paces on its own (`LocalBudgets`, the same
rules in memory), says so once, and asks Redis again a few seconds later.

Every answer carries how long to wait, and the pacer sleeps exactly that (it polls only while a
window is full of sends still on their way). A send that wakes later than half the jitter after
its slot (a busy event loop) takes a new slot instead of going out on top of the next one.
The jitter (20 ms a second, so at most 98% of the configured rate) keeps sends answered within
a few milliseconds from filling the windows, which then hold back only what a stall packed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypedDict, TypeVar, cast

from redis.exceptions import RedisError
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.telegram.budgets import Ask, Grant, LocalBudgets, RedisBudgets
from bot.telegram.windows import LocalWindows, RedisWindows, Window, Windows

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

T = TypeVar("T")
S = TypeVar("S")
JSON = bool | dict[str, Any] | list[dict[str, Any]]
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Bot API methods that send messages (Telegram counts these against the flood limits).
SENDS: Final = frozenset(
    "sendMessage forwardMessage forwardMessages copyMessage copyMessages sendPhoto sendAudio "
    "sendDocument sendSticker sendVideo sendVideoNote sendAnimation sendVoice sendMediaGroup "
    "sendLocation sendVenue sendContact sendGame sendInvoice sendPoll sendChecklist sendDice "
    "sendPaidMedia sendLivePhoto".split()
)
# ...of which these accept allow_paid_broadcast.
PAID_SENDS: Final = SENDS - {"forwardMessage", "forwardMessages", "copyMessages", "sendChecklist"}
# Several messages in one request: the parameter that lists them.
_BATCHES: Final = {
    "sendMediaGroup": "media",
    "forwardMessages": "message_ids",
    "copyMessages": "message_ids",
}
FREE_PER_SECOND: Final = 30.0  # messages without allow_paid_broadcast
PAID_PER_SECOND: Final = 1000.0
ALERTS_PER_CHAT_SECOND: Final = 1.0
GROUP_PER_MINUTE: Final = 20
PRIVATE_BURST: Final = 3  # replies to a private chat at once before one a second
_REDIS_TIMEOUT: Final = 1.0  # seconds a Redis answer may take before this process paces alone
_REDIS_RETRY: Final = 5.0  # seconds between asking Redis again after it failed
_REDIS_DOWN = (RedisError, OSError, TimeoutError)


class PaceArgs(TypedDict, total=False):
    """`rate_limit_args` the pacer reads: `alert` marks a message that may wait for replies."""

    alert: bool


ALERT: Final[PaceArgs] = {"alert": True}


class Pacer(BaseRateLimiter[PaceArgs]):
    """Paces every request of the bot (see the module's docstring).

    `messages_per_second`: the overall rate (at most 30; 1,000 with `paid_broadcast`).
    `redis`: share the limits with every process using it (None: this process's own).
    `max_retries`: how many times a request is sent again after a 429 before the RetryAfter
    propagates. `jitter`: seconds each limit's period is lengthened by. `clock` and `sleep`:
    injectable time (`clock=None`: time.monotonic here, Redis's clock for the shared limits).
    """

    def __init__(
        self,
        messages_per_second: float = FREE_PER_SECOND,
        *,
        paid_broadcast: bool = False,
        redis: Redis | None = None,
        prefix: str = "shopbot:pace",
        max_retries: int = 3,
        jitter: float = 0.02,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        top = PAID_PER_SECOND if paid_broadcast else FREE_PER_SECOND
        if not 0 < messages_per_second <= top:
            raise ValueError(f"messages_per_second must be in (0, {top:g}]")
        if max_retries < 0 or jitter < 0:
            raise ValueError("max_retries and jitter must not be negative")
        self.messages_per_second = messages_per_second
        self.paid_broadcast = paid_broadcast
        self.max_retries = max_retries
        self._prefix = prefix
        self._jitter = jitter
        self._clock = clock or time.monotonic
        self._sleep = sleep
        self._local = LocalBudgets(self._clock)
        self._shared = RedisBudgets(redis, prefix, clock) if redis is not None else None
        self._local_windows = LocalWindows(self._clock)
        self._shared_windows = RedisWindows(redis, clock) if redis is not None else None
        self._tokens = (f"{uuid.uuid4().hex[:12]}:{n}" for n in itertools.count())
        self._shared_again_at = 0.0  # Redis failed: this process paces alone until then
        self._shared_failed = False
        self._resume_at = 0.0  # a 429 this process knows of: nothing goes out before it
        self._alert_gate = asyncio.Lock()
        self._chat_turns: dict[str, _Turn] = {}

    async def initialize(self) -> None:
        """Nothing to open: the Redis client belongs to the process (Deps)."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: PaceArgs | None,
    ) -> JSON:
        """Send when the limits allow; after a 429, pause every send for its retry_after and
        send again, at most `max_retries` times."""
        alert = bool(rate_limit_args and rate_limit_args.get("alert"))
        if alert and self.paid_broadcast and endpoint in PAID_SENDS:
            data["allow_paid_broadcast"] = True  # `data` is the dict the callback posts
        ask = self.ask(endpoint, data, alert=alert)
        async with self._in_order(ask.chat if ask is not None and alert else None):
            for attempt in range(self.max_retries + 1):
                await self._turn(ask)
                try:
                    async with self._counted(ask):
                        return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    seconds = exc._retry_after.total_seconds()  # as AIORateLimiter reads it
                    log.warning(
                        "Telegram answered %s with 429: every send waits %gs", endpoint, seconds
                    )
                    await self._pause(seconds + self._jitter)
                    if attempt == self.max_retries:
                        raise
        raise AssertionError("unreachable")

    @contextlib.asynccontextmanager
    async def _counted(self, ask: Ask | None) -> AsyncIterator[None]:
        """Wait until the send's windows have room, and count it there until its answer ages
        out (bot/telegram/windows.py)."""
        if ask is None or not ask.windows:
            yield
            return
        token = next(self._tokens)
        while True:
            store: Windows = self._local_windows
            wait = await self._on_redis(lambda w: w.enter(ask.windows, token), self._shared_windows)
            if wait is None:
                wait = await self._local_windows.enter(ask.windows, token)
            else:
                store = cast(Windows, self._shared_windows)
            if not wait:
                break
            await self._sleep(wait)
        try:
            yield
        finally:
            if store is self._local_windows:
                await store.leave(ask.windows, token)
            else:
                await self._on_redis(lambda w: w.leave(ask.windows, token), store)

    @contextlib.asynccontextmanager
    async def _in_order(self, chat: str | None) -> AsyncIterator[None]:
        """One alert at a time to `chat` from this process, in the order they were handed in
        (asyncio.Lock wakes its waiters first come, first served)."""
        if chat is None:
            yield
            return
        turn = self._chat_turns.setdefault(chat, _Turn())
        turn.users += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.users -= 1
            if not turn.users:
                del self._chat_turns[chat]

    def ask(self, endpoint: str, data: dict[str, Any], *, alert: bool = False) -> Ask | None:
        """What sending `data` to `endpoint` takes; None when it takes no budget."""
        if endpoint not in SENDS:
            return None
        batch = data.get(_BATCHES.get(endpoint, ""))
        count = len(batch) if isinstance(batch, list | tuple) and batch else 1
        jitter = self._jitter
        rate = self.messages_per_second
        paid = data.get("allow_paid_broadcast") is True
        if not paid:
            rate = min(rate, FREE_PER_SECOND)
        overall = f"{self._prefix}:global", count * (1 + jitter) / rate
        kind = "paid" if paid else "free"  # Telegram counts the two apart
        window = Window(f"{self._prefix}:window:{kind}", 1.0, max(1, int(rate)), count)
        chat_id = data.get("chat_id")
        if chat_id is None:
            return Ask(*overall, alert, windows=(window,))
        name, group = _chat(chat_id)
        chat = f"{self._prefix}:chat:{name}"
        if group:
            interval = count * (60 + jitter) / GROUP_PER_MINUTE
            in_chat = Window(f"{chat}:window", 60.0, GROUP_PER_MINUTE, count)
            return Ask(*overall, alert, chat, interval, chat_waits=True, windows=(window, in_chat))
        interval = count * (1 + jitter) / ALERTS_PER_CHAT_SECOND
        # Alerts: one a second. Replies: Telegram's burst of a few, then one a second too, so a
        # shopper typing fast waits for their own answers instead of drawing 429s for the bot.
        burst = 0.0 if alert else (PRIVATE_BURST - 1) * interval
        return Ask(
            *overall, alert, chat, interval, chat_waits=True, chat_burst=burst, windows=(window,)
        )

    async def _turn(self, ask: Ask | None) -> None:
        """Sleep until this request may go."""
        if ask is None:
            await self._until(self._resume_at)
            return
        gate = self._alert_gate if ask.alert else None
        while True:
            if gate is not None:
                await gate.acquire()
            try:
                grant = await self._take(ask)
                while not grant.granted and grant.reason != "chat":
                    await self._sleep(grant.wait)  # paused, or (alerts) replies come first
                    grant = await self._take(ask)
            finally:
                if gate is not None:
                    gate.release()
            if grant.granted:
                if grant.wait <= 0:
                    return
                slot = self._clock() + grant.wait
                await self._sleep(grant.wait)  # the slot it reserved
                if self._clock() - slot <= self._jitter / 2:  # half left for the way out
                    return
                continue  # woke too late: sent now it would bunch with the next; a new slot
            await self._sleep(grant.wait)  # its chat is busy; other alerts may go meanwhile

    async def _take(self, ask: Ask) -> Grant:
        grant = await self._on_redis(lambda b: b.take(ask), self._shared)
        if grant is None:
            grant = await self._local.take(ask)
        if grant.reason == "pause":
            self._resume_at = max(self._resume_at, self._clock() + grant.wait)
        return grant

    async def _pause(self, seconds: float) -> None:
        self._resume_at = max(self._resume_at, self._clock() + seconds)
        await self._local.pause(seconds)
        await self._on_redis(lambda b: b.pause(seconds), self._shared)

    async def _on_redis(self, call: Callable[[S], Awaitable[T]], shared: S | None) -> T | None:
        """`call(shared)`, the limits kept in Redis; None when there is no Redis or it failed
        (the process then paces alone, and asks Redis again `_REDIS_RETRY` seconds later)."""
        if shared is None or self._clock() < self._shared_again_at:
            return None
        try:
            async with asyncio.timeout(_REDIS_TIMEOUT):
                result = await call(shared)
        except _REDIS_DOWN as exc:
            self._shared_unavailable(exc)
            return None
        if self._shared_failed:
            self._shared_failed = False
            log.info("Redis is back: sends are paced across processes again")
        return result

    def _shared_unavailable(self, exc: BaseException) -> None:
        self._shared_again_at = self._clock() + _REDIS_RETRY
        if not self._shared_failed:
            self._shared_failed = True
            log.warning("Redis unavailable (%r): this process paces its sends alone", exc)

    async def _until(self, at: float) -> None:
        wait = at - self._clock()
        if wait > 0:
            await self._sleep(wait)


@dataclass(slots=True)
class _Turn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


def _chat(chat_id: object) -> tuple[str, bool]:
    """The chat's key part (ids given as text or number alike) and whether it is a group,
    supergroup or channel: a negative id, or an @username."""
    try:
        number = int(str(chat_id))
    except ValueError:
        return str(chat_id), True
    return str(number), number < 0
