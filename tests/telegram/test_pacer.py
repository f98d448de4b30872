"""The pacer: Telegram's flood limits kept on virtual time, replies ahead of alerts, 429s waited
out, the limits shared through Redis, and no 429 from the local Bot API server."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import os
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

import pytest
from redis.asyncio import Redis
from telegram.error import RetryAfter

from bot.config import ConfigError, load_settings
from bot.playground.botapi.rules import FloodControl
from bot.playground.botapi.server import LocalBotApi
from bot.process.deps import Deps
from bot.telegram.app import build_application
from bot.telegram.bot import ShopBot
from bot.telegram.budgets import Ask, Budgets, LocalBudgets, RedisBudgets
from bot.telegram.pacer import ALERT, Pacer
from bot.telegram.request import AiohttpRequest
from handlers import wiring
from tests.e2e.harness import Shopper
from tests.support import Clock

REDIS_URL = os.environ.get("REDIS_URL") or None
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL not set")
TOKEN = "123456:PLAYGROUND-TOKEN"
STRETCH = 1.02  # each second lengthened by the default jitter
GAP = STRETCH / 30  # the default pacer's spacing: 30 a second
IN_A_SECOND = math.floor(1 / GAP) + 1  # sends at that spacing that fit in one second: 29


class VirtualTime:
    """Time that passes only when every task is asleep on it; it then jumps to the earliest
    wake-up. Concurrent sleepers share it, as they would share a real clock."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), wake))
        await wake

    async def at(self, moment: float, work: Awaitable[Any]) -> Any:
        """Run `work` when the clock reads `moment`."""
        await self.sleep(moment - self.now)
        return await work

    async def run(self, *work: Awaitable[Any]) -> list[Any]:
        tasks = [asyncio.ensure_future(w) for w in work]
        while not all(t.done() for t in tasks):
            for _ in range(50):  # everything that can run without time passing, runs
                await asyncio.sleep(0)
            if all(t.done() for t in tasks):
                break
            assert self._sleepers, "tasks wait for something other than time"
            when, _, wake = heapq.heappop(self._sleepers)
            self.now = max(self.now, when)
            wake.set_result(None)
        return [t.result() for t in tasks]


@dataclass
class Sent:
    at: float
    endpoint: str
    data: dict[str, Any]

    @property
    def chat_id(self) -> Any:
        return self.data.get("chat_id")


class Telegram:
    """Stands in for Bot._do_post: records what was sent when; answers 429 while `refuse`
    holds retry_after values."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.sent: list[Sent] = []
        self.attempts = 0
        self.refuse: list[int] = []

    async def post(self, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        self.attempts += 1
        if self.refuse:
            raise RetryAfter(self.refuse.pop(0))
        self.sent.append(Sent(self.clock(), endpoint, dict(data)))
        return {"message_id": len(self.sent)}

    def times(self, **where: Any) -> list[float]:
        return [s.at for s in self.sent if all(s.data.get(k) == v for k, v in where.items())]


def send(
    pacer: Pacer,
    tg: Telegram,
    chat_id: int | str,
    text: str = "hi",
    *,
    alert: bool = False,
    endpoint: str = "sendMessage",
    **extra: Any,
) -> Coroutine[Any, Any, Any]:
    """One request through the pacer, as ExtBot._do_post makes it."""
    data = {"chat_id": chat_id, "text": text, **extra}
    return pacer.process_request(
        tg.post, (endpoint, data), {}, endpoint, data, ALERT if alert else None
    )


def most_in_any_window(times: list[float], span: float) -> int:
    """The most sends that fall in one window [t, t + span)."""
    ordered = sorted(times)
    return max(
        (sum(1 for u in ordered[i:] if u < t + span) for i, t in enumerate(ordered)), default=0
    )


def paced(clock: VirtualTime | Clock, rate: float = 30, **kw: Any) -> tuple[Pacer, Telegram]:
    return Pacer(rate, clock=clock, sleep=clock.sleep, **kw), Telegram(clock)


# --- the overall rate ---------------------------------------------------------------------------


async def test_replies_keep_the_overall_rate_without_a_burst() -> None:
    clock = VirtualTime()
    pacer, tg = paced(clock)
    await clock.run(*(send(pacer, tg, chat) for chat in range(1, 91)))
    times = tg.times()
    assert len(times) == 90
    assert most_in_any_window(times, 1.0) == IN_A_SECOND
    assert most_in_any_window(times, 0.1) <= 3  # evenly spread, not 30 at once
    assert times[0] == 1000.0 and times[-1] - times[0] == pytest.approx(89 * GAP)


async def test_edits_and_answers_take_no_budget() -> None:
    clock = VirtualTime()
    pacer, tg = paced(clock)
    work = [send(pacer, tg, chat) for chat in range(1, 31)]
    work += [send(pacer, tg, 7, endpoint="editMessageText", message_id=1) for _ in range(5)]
    work.append(send(pacer, tg, 7, endpoint="answerCallbackQuery"))
    await clock.run(*work)
    assert all(s.at == 1000.0 for s in tg.sent if s.endpoint != "sendMessage")
    assert tg.times()[-1] - 1000.0 == pytest.approx(29 * GAP)


async def test_a_media_group_counts_each_message() -> None:
    clock = VirtualTime()
    pacer, tg = paced(clock, 10)
    await clock.run(send(pacer, tg, 1, endpoint="sendMediaGroup", media=["a", "b", "c", "d"]))
    await clock.run(send(pacer, tg, 2))
    assert tg.sent[1].at - tg.sent[0].at == pytest.approx(4 * STRETCH / 10)


# --- per chat -----------------------------------------------------------------------------------


async def test_alerts_go_at_most_one_a_second_per_private_chat() -> None:
    clock = VirtualTime()
    pacer, tg = paced(clock)
    await clock.run(*(send(pacer, tg, chat, alert=True) for chat in (7, 8) * 4))
    for chat in (7, 8):
        times = tg.times(chat_id=chat)
        assert len(times) == 4
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))
        assert times[-1] - times[0] == pytest.approx(3 * STRETCH, abs=GAP)
    assert abs(tg.times(chat_id=7)[0] - tg.times(chat_id=8)[0]) <= GAP + 1e-9  # not in turn


async def test_replies_in_a_private_chat_go_in_a_burst_of_three_then_one_a_second() -> None:
    clock = VirtualTime()
    pacer, tg = paced(clock)
    await clock.run(*(send(pacer, tg, 7) for _ in range(3)))
    await clock.run(send(pacer, tg, 7, "alert", alert=True))
    replies = tg.times(text="hi")
    assert replies[-1] - replies[0] == pytest.approx(2 * GAP)  # the burst: the overall rate
    assert tg.times(text="alert")[0] - replies[-1] >= 1.0  # the alert keeps a second after them


async def test_a_shopper_typing_fast_waits_for_their_answers_and_draws_no_429() -> None:
    clock = VirtualTime()
    pacer, tg = paced(clock)
    others = [clock.at(1000.0 + i / 10, send(pacer, tg, 100 + i, "other")) for i in range(30)]
    await clock.run(*(send(pacer, tg, 7, f"r{i}") for i in range(8)), *others)
    mine = sorted(s.at for s in tg.sent if s.chat_id == 7)
    assert most_in_any_window(mine, 1.0) <= 3  # Telegram's burst, never more in a second
    assert mine[-1] - mine[0] == pytest.approx(5 * STRETCH, abs=0.01)  # then one a second
    other_times = sorted(s.at for s in tg.sent if s.chat_id != 7)
    assert other_times[-1] <= 1000.0 + 2.9 + 2 * GAP  # the rest of the bot was not held up


async def test_a_send_that_wakes_late_takes_a_new_slot_instead_of_bunching() -> None:
    clock = VirtualTime()
    late = {"once": True}

    async def sleepy(seconds: float) -> None:  # the event loop late once, by three slots
        extra = 3 * GAP if late["once"] and seconds > 0 else 0.0
        late["once"] = late["once"] and not extra
        await clock.sleep(seconds + extra)

    pacer, tg = Pacer(30, clock=clock, sleep=sleepy), Telegram(clock)
    await clock.run(*(send(pacer, tg, 100 + i) for i in range(10)))
    times = sorted(tg.times())
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 10 and min(gaps) >= GAP - 1e-6  # no two sends closer than a slot


class Stalling(Telegram):
    """A network that holds every request made in [start, end) back until `end`, then hands
    them on together: Telegram counts them all at once."""

    def __init__(self, clock: VirtualTime, start: float, end: float) -> None:
        super().__init__(clock)
        self.virtual, self.start, self.end = clock, start, end

    async def post(self, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        if self.start <= self.clock() < self.end:
            await self.virtual.sleep(self.end - self.clock())
        return await super().post(endpoint, data)


@pytest.mark.parametrize("stall", [0.1, 0.15, 0.5, 2.0])
async def test_sends_held_back_on_their_way_never_crowd_telegrams_second(stall: float) -> None:
    clock = VirtualTime()
    pacer, tg = Pacer(30, clock=clock, sleep=clock.sleep), Stalling(clock, 1001.0, 1001 + stall)
    await clock.run(*(send(pacer, tg, chat, alert=True) for chat in range(1, 151)))
    times = tg.times()
    assert len(times) == 150
    assert times.count(1001 + stall) >= 2  # the stall did pack sends together
    assert most_in_any_window(times, 1.0) <= 30
    assert times[-1] - times[0] <= 149 * GAP + stall  # and cost no more time than it lasted


@pytest.mark.parametrize("chat", [-100123, "-100123", "@deals"])
async def test_groups_and_channels_get_at_most_twenty_a_minute(chat: int | str) -> None:
    clock = VirtualTime()
    pacer, tg = paced(clock)
    await clock.run(*(send(pacer, tg, chat, str(i)) for i in range(25)))
    times = tg.times()
    assert len(times) == 25
    assert most_in_any_window(times, 60.0) == 20
    assert all(b - a >= 3.0 for a, b in itertools.pairwise(times))


# --- replies first ------------------------------------------------------------------------------


async def test_a_reply_overtakes_a_running_fan_out_of_alerts() -> None:
    clock = VirtualTime()
    pacer, tg = paced(clock, 10)  # a slot every 0.102 s: 30 alerts take three seconds
    alerts = [send(pacer, tg, chat, "alert", alert=True) for chat in range(1, 31)]
    replies = [clock.at(1000.5, send(pacer, tg, 900 + i, "reply")) for i in range(3)]
    await clock.run(*alerts, *replies)
    order = [s.data["text"] for s in tg.sent]
    first = order.index("reply")
    assert order[first : first + 3] == ["reply"] * 3  # the replies go together...
    assert 3 <= first <= 7 and order.count("alert") == 30  # ...while alerts remain
    # at most two alerts' slots late: the one going out, the one reserved next
    assert tg.times(text="reply")[0] - 1000.5 <= 2 * STRETCH / 10
    assert most_in_any_window(tg.times(), 1.0) <= 10


async def test_alerts_wait_for_replies_queued_in_another_process() -> None:
    clock = Clock()
    store = LocalBudgets(clock)
    await alert_waits_for_reserved_replies(store, store)


async def alert_waits_for_reserved_replies(one: Budgets, other: Budgets) -> None:
    for _ in range(5):  # five replies reserve the next five slots
        assert (await one.take(Ask("t:global", 0.1))).granted
    refused = await other.take(Ask("t:global", 0.1, alert=True))
    assert (refused.granted, refused.reason) == (False, "budget")
    assert refused.wait == pytest.approx(0.4)  # asks again when they are one slot from done
    reply = await other.take(Ask("t:global", 0.1))
    assert reply.granted and reply.wait == pytest.approx(0.5)  # a reply queues behind them


# --- 429 ----------------------------------------------------------------------------------------


async def test_a_429_pauses_every_send_then_the_send_is_retried() -> None:
    clock = VirtualTime()
    pacer, tg = paced(clock)
    tg.refuse = [5]
    others = [
        clock.at(1001.0, send(pacer, tg, 8, "other")),
        clock.at(1002.0, send(pacer, tg, 9, "alert", alert=True)),
        clock.at(1003.0, send(pacer, tg, 8, endpoint="editMessageText", message_id=1)),
    ]
    result, *_ = await clock.run(send(pacer, tg, 7, "first"), *others)
    assert result == {"message_id": 1} and tg.attempts == 1 + 4
    assert tg.sent[0].data["text"] == "first" and tg.sent[0].at == pytest.approx(1005 + STRETCH - 1)
    assert all(s.at >= 1005 + STRETCH - 1 for s in tg.sent)


async def test_gives_up_after_the_retries() -> None:
    clock = VirtualTime()
    pacer, tg = paced(clock, max_retries=2)
    tg.refuse = [1] * 10
    with pytest.raises(RetryAfter):
        await clock.run(send(pacer, tg, 7))
    assert tg.attempts == 3 and tg.sent == []
    assert clock.now == pytest.approx(1000 + 2 * STRETCH)  # two 429s waited out, then it gives up
    tg.refuse = []
    await clock.run(send(pacer, tg, 8))
    assert tg.times() == [pytest.approx(1000 + 3 * STRETCH)]  # the last 429 is waited out too


# --- paid broadcast ----------------------------------------------------------------------------


async def test_paid_broadcast_marks_alerts_only_and_lets_them_go_faster() -> None:
    clock = VirtualTime()
    pacer, tg = paced(clock, 600, paid_broadcast=True)
    await clock.run(*(send(pacer, tg, chat, "alert", alert=True) for chat in range(1, 601)))
    alerts = tg.times()
    assert 500 < most_in_any_window(alerts, 1.0) <= 600
    assert alerts[-1] - alerts[0] == pytest.approx(599 * STRETCH / 600)  # not 20 s at 30 a second
    alerts_and_replies = [send(pacer, tg, chat, "alert", alert=True) for chat in range(1, 301)]
    alerts_and_replies += [clock.at(1002.2, send(pacer, tg, 1000 + c, "reply")) for c in range(60)]
    await clock.run(*alerts_and_replies)
    paid = [s for s in tg.sent if s.data.get("allow_paid_broadcast") is True]
    assert {s.data["text"] for s in paid} == {"alert"} and len(paid) == 900
    replies = tg.times(text="reply")
    assert len(replies) == 60 and most_in_any_window(replies, 1.0) == IN_A_SECOND  # the free limit
    assert most_in_any_window(tg.times(), 1.0) <= 600
    assert all(a > replies[-1] for a in tg.times(text="alert")[600:] if a > replies[0])


def test_rates_are_checked() -> None:
    with pytest.raises(ValueError, match="messages_per_second"):
        Pacer(31)
    with pytest.raises(ValueError, match="messages_per_second"):
        Pacer(1001, paid_broadcast=True)
    with pytest.raises(ValueError, match="messages_per_second"):
        Pacer(0)
    assert Pacer(1000, paid_broadcast=True).messages_per_second == 1000


# --- shared through Redis ----------------------------------------------------------------------


def two_processes(clock: Clock, redis: Redis | None) -> tuple[Pacer, Pacer, Telegram]:
    prefix = f"test:pace:{uuid.uuid4().hex}"
    a, b = (Pacer(30, redis=redis, prefix=prefix, clock=clock, sleep=clock.sleep) for _ in "ab")
    return a, b, Telegram(clock)


@needs_redis
async def test_two_processes_sharing_redis_keep_one_overall_rate(redis: Redis) -> None:
    clock = Clock()
    a, b, tg = two_processes(clock, redis)
    for chat in range(1, 61):  # each process sends every other message
        await send(a if chat % 2 else b, tg, chat)
    times = tg.times()
    assert most_in_any_window(times, 1.0) == IN_A_SECOND
    assert times[-1] - times[0] == pytest.approx(59 * GAP, abs=1e-4)  # Redis keeps microseconds


async def test_without_redis_each_process_has_its_own_limits() -> None:
    clock = Clock()
    a, b, tg = two_processes(clock, None)
    for chat in range(1, 61):
        await send(a if chat % 2 else b, tg, chat)
    assert (
        most_in_any_window(tg.times(), 1.0) == 2 * IN_A_SECOND
    )  # what sharing the limits prevents


@needs_redis
async def test_alerts_wait_for_replies_reserved_by_another_process_through_redis(
    redis: Redis,
) -> None:
    clock = Clock()
    prefix = f"test:pace:{uuid.uuid4().hex}"
    await alert_waits_for_reserved_replies(
        RedisBudgets(redis, prefix, clock), RedisBudgets(redis, prefix, clock)
    )


@needs_redis
async def test_a_429_in_one_process_pauses_the_others(redis: Redis) -> None:
    clock = Clock()
    prefix = f"test:pace:{uuid.uuid4().hex}"
    await RedisBudgets(redis, prefix, clock).pause(3)
    other = RedisBudgets(redis, prefix, clock)
    refused = await other.take(Ask(f"{prefix}:global", 0.1))
    assert (refused.granted, refused.reason) == (False, "pause")
    assert refused.wait == pytest.approx(3)
    clock.now += 3
    assert (await other.take(Ask(f"{prefix}:global", 0.1))).granted


@needs_redis
async def test_redis_clock_paces_real_sends(redis: Redis) -> None:
    """Production: Redis's own clock (no clock given); sends are never closer than a slot."""
    prefix = f"test:pace:{uuid.uuid4().hex}"
    pacer = Pacer(20, redis=redis, prefix=prefix)
    loop = asyncio.get_running_loop()
    tg = Telegram(loop.time)
    await asyncio.gather(*(send(pacer, tg, chat) for chat in range(1, 11)))
    times = tg.times()
    assert len(times) == 10
    assert times[-1] - times[0] >= 9 * STRETCH / 20 - 0.005  # no burst, whatever the machine


async def test_redis_away_paces_in_the_process_and_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    away = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    clock = Clock()
    pacer = Pacer(1, redis=away, clock=clock, sleep=clock.sleep)
    tg = Telegram(clock)
    try:
        with caplog.at_level(logging.INFO, logger="bot.telegram.pacer"):
            for chat in range(1, 13):  # twelve seconds: Redis asked again twice meanwhile
                await send(pacer, tg, chat)
    finally:
        await away.aclose()
    times = tg.times()
    assert len(times) == 12
    assert all(b - a == pytest.approx(STRETCH) for a, b in itertools.pairwise(times))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "Redis unavailable" in warnings[0].getMessage()


# --- settings and the bot ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "paid", "ok"),
    [(30, False, True), (1, False, True), (31, False, False), (0.5, False, False),
     (1000, True, True), (1001, True, False), (0, True, False)],
)  # fmt: skip
def test_settings_bound_the_rate(rate: float, paid: bool, ok: bool) -> None:
    kw = {"telegram_messages_per_second": rate, "telegram_paid_broadcast": paid}
    if ok:
        assert load_settings(_env_file=None, **kw).telegram_messages_per_second == rate
    else:
        with pytest.raises(ConfigError, match=r"^configuration error: TELEGRAM_MESSAGES_PER_SEC"):
            load_settings(_env_file=None, **kw)


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_MESSAGES_PER_SECOND", "500")
    with pytest.raises(ConfigError, match="up to 1000 with TELEGRAM_PAID_BROADCAST=true"):
        load_settings(_env_file=None)
    monkeypatch.setenv("TELEGRAM_PAID_BROADCAST", "true")
    settings = load_settings(_env_file=None)
    assert (settings.telegram_messages_per_second, settings.telegram_paid_broadcast) == (500, True)
    monkeypatch.delenv("TELEGRAM_MESSAGES_PER_SECOND")
    monkeypatch.delenv("TELEGRAM_PAID_BROADCAST")
    settings = load_settings(_env_file=None)
    assert (settings.telegram_messages_per_second, settings.telegram_paid_broadcast) == (30, False)


def test_the_application_is_built_with_the_pacer_of_the_settings() -> None:
    settings = load_settings(
        _env_file=None, telegram_messages_per_second=200, telegram_paid_broadcast=True
    )
    deps = cast(Deps, SimpleNamespace(settings=settings, redis=None))
    app = build_application(deps, lambda app: None, token=TOKEN, base_url="http://x.test/bot")
    pacer = app.bot.rate_limiter
    assert isinstance(pacer, Pacer)
    assert (pacer.messages_per_second, pacer.paid_broadcast) == (200, True)
    bare = build_application(
        deps, lambda app: None, token=TOKEN, base_url="http://x.test/bot", rate_limit=False
    )
    assert bare.bot.rate_limiter is None


async def test_send_html_marks_alerts_for_the_pacer() -> None:
    async with LocalBotApi(TOKEN) as api:
        api.user(7)
        paced_bot = ShopBot(
            TOKEN,
            base_url=api.base_url,
            request=AiohttpRequest(),
            rate_limiter=Pacer(30, paid_broadcast=True),
        )
        async with paced_bot:
            await paced_bot.send_html(7, "reply")
            await paced_bot.send_html(7, "alert", alert=True)
        async with ShopBot(TOKEN, base_url=api.base_url, request=AiohttpRequest()) as bare:
            await bare.send_html(7, "unpaced alert", alert=True)  # no pacer: sent as it is
    reply, alert, unpaced = api.calls_to("sendMessage")
    assert "allow_paid_broadcast" not in reply.params
    assert alert.params.get("allow_paid_broadcast") is True
    assert "allow_paid_broadcast" not in unpaced.params
    assert [m.text for m in api.messages(7)] == ["reply", "alert", "unpaced alert"]


# --- against the local Bot API server, with Telegram's flood limits -----------------------------


async def test_alerts_and_replies_draw_no_429_from_the_flood_limited_server(deps: Deps) -> None:
    async with LocalBotApi(TOKEN, flood_limits=True) as api:
        app = wiring.build(deps, token=TOKEN, base_url=api.base_url, polling=False)
        async with app:
            shoppers = [Shopper(api, app, api.user(2000 + i)) for i in range(12)]
            bot = cast(ShopBot, app.bot)
            alerts = [
                bot.send_html(s.chat_id, f"✅ news {n}", alert=True)
                for n in range(5)
                for s in shoppers
            ]
            replies = [s.send("/help") for s in shoppers]
            await asyncio.gather(*alerts, *replies)
    refused = [c for c in api.calls if c.error_code == 429]
    assert refused == []
    for s in shoppers:
        texts = [m.text for m in api.messages(s.chat_id)]
        assert [t for t in texts if t.startswith("✅")] == [f"✅ news {n}" for n in range(5)]
        assert len(texts) > 5  # and the /help reply


async def test_paid_alerts_outrun_the_free_limit_without_a_429() -> None:
    flood = FloodControl(per_second=30, paid_per_second=1000)
    async with LocalBotApi(TOKEN, flood_limits=flood) as api:
        for chat in range(1, 121):
            api.user(chat)
        pacer = Pacer(120, paid_broadcast=True)
        async with ShopBot(
            TOKEN, base_url=api.base_url, request=AiohttpRequest(), rate_limiter=pacer
        ) as bot:
            await asyncio.gather(*(bot.send_html(c, "✅", alert=True) for c in range(1, 121)))
            await asyncio.gather(*(bot.send_html(c, "reply") for c in range(1, 41)))
    sends = api.calls_to("sendMessage")
    assert len(sends) == 160 and all(c.ok for c in sends)
    assert sum(1 for c in sends if c.params.get("allow_paid_broadcast") is True) == 120
