"""An alerts fan-out through `shopbot run` against a Bot API that enforces Telegram's limits.

The issue ("Alerts: an outbox and one pacer for everything the bot sends"): 5,000 alerts to
2,000 chats through the local Bot API, which answers 429 (with retry_after) to a send beyond
Telegram's flood limits (`LocalBotApi(flood_limits=True)`: 30 messages/s overall, ~1/s per
private chat with a burst of 3). Printed: the achieved rate as a share of the configured one
(TELEGRAM_MESSAGES_PER_SECOND, target >= 95%), the 429s the fake answered (target 0), alerts
lost (0) and duplicated (0); then the same with the sending process SIGKILLed half-way and
started again. Meanwhile shoppers search, one search every 0.5 s; the replies' p95 (target
<= 1.5 s). By default four shoppers search in turn, each every 2 s: one shopper searching
twice a second is beyond Telegram's ~1 message/s per chat by itself (the fake answers the
bot's replies 429 once the chat's burst of 3 is spent); `--shoppers 1` runs that case.

How. The bench process serves the fake Bot API on loopback (real HTTP), creates the chats
there, migrates a fresh database (bench/common.py `database`: a SQLite file, or a PostgreSQL
database of its own dropped at the end), loads the demo catalog, inserts the users (language
"en") and N alerts into the outbox (`alerts.row` + `enqueue_many`, kind "purchased", each with
its own order number: the text reads "Order #<i>", so a delivery names its alert). Each chat gets
N // CHATS or one more, the alerts' order shuffled (seeded), as news of different orders arrives
(`--grouped`: a chat's alerts queued one after another). Then `shopbot run`
starts as a child process (long polling against the fake, as tests/e2e/test_runtime.py starts
it); its start kicks the alerts sender. A call listener on the fake records every answer: a
delivered alert is a sendMessage answered ok in an alert chat (its "#<i>" parsed), a shopper's
reply a send to that shopper's chat quoting its message (the time from pushing the update to
the reply's answer), a 429 any call answered 429 (printed by method and kind of chat).

Rate: alerts delivered a second between the first and the last delivery, and every message
the bot sent in that time (alerts and replies share the 30/s budget: the pacer's job is to fill
it), as shares of the configured rate. The pacer spaces sends (1 + jitter) / rate apart
(jitter 0.02 s), so 1 / 1.02 = 98% is its ceiling.

Each 429 is printed with the sends of the second before it (a pair far closer than a slot
apart is a send that went late, then together with the next), and whether the fake's own event
loop (this process's: it judges the limits when it gets to a request) was late then; a ticker
notes every time it is late by more than 20 ms.

The kill: when half the alerts are delivered the process gets SIGKILL (its process group); the
alerts table is read at once (how many were claimed, "sending", at that moment: those wait
CLAIM_TIMEOUT = 60 s before another process may take them; the sender claims a chat's due
alerts, up to 10, when it starts on the chat, for up to 64 chats at once), a new process
starts (with Redis it shares the budgets the killed one left), and the run
ends when every alert is delivered or after CLAIM_TIMEOUT + the rest at the configured rate +
a margin. The shopper searches only while a process serves; a message left unanswered by the
kill is counted apart, not timed.

Run: `.venv/bin/python bench/alerts.py [-n 5000] [--chats 2000] [--rate 30]
[--database sqlite|postgresql] [--redis] [--no-kill] [--shoppers 4] [--grouped]`; a quick
look: `-n 600 --chats 300`. PostgreSQL always shares the pacer's budgets through Redis
(REDIS_URL, default redis://127.0.0.1:6379/0; only the pacer's keys, shopbot:pace*, are
deleted, before each fan-out's first process starts); SQLite with
`--redis`. BENCH_PG_SERVER names the PostgreSQL server, as for bench/payments.py.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from redis.asyncio import Redis
from sqlalchemy import func, select

from bench.common import PG_SERVER, database, log_warnings, unreachable
from bot import demo, models
from bot.config import load_settings
from bot.migrate import upgrade_database
from bot.playground.botapi.model import Call, FakeUser
from bot.playground.botapi.server import DEFAULT_TOKEN, LocalBotApi
from bot.process.deps import Deps
from bot.services import alerts, users

TARGET_SHARE = 0.95
TARGET_P95 = 1.5  # seconds, a shopper's search reply during the fan-out
FIRST_CHAT = 1_000_000
FIRST_SHOPPER = 900_000_001
SEARCH_EVERY = 0.5  # seconds between searches (the shoppers' in turn)
QUERIES = ("手机支架", "充电宝", "数据线", "phone stand", "蓝牙耳机", "power bank")
SEED = 7
ORDER = re.compile(r"#(\d+)")
SENDS = frozenset({"sendmessage", "sendphoto"})
TICK, STALL = 0.005, 0.02  # seconds: how often the fake's loop is looked at; lateness noted
MARGIN = 60.0  # seconds beyond the expected end before a run gives up waiting
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def layout(n: int, chats: int, grouped: bool) -> list[int]:
    """The chat of each alert, in the outbox's order: every chat n // chats alerts or one
    more; shuffled (seeded), or a chat's alerts one after another."""
    base, extra = divmod(n, chats)
    slots = [FIRST_CHAT + c for c in range(chats) for _ in range(base + (c < extra))]
    if not grouped:
        random.Random(SEED).shuffle(slots)
    return slots


# --- what the fake saw -----------------------------------------------------------------------


@dataclass
class Seen:
    """Every answer of the fake that matters here, recorded by a call listener."""

    alert_chats: frozenset[int]
    shoppers: frozenset[int]
    deliveries: list[tuple[float, int]] = field(default_factory=list)  # (time, order number)
    sends: list[float] = field(default_factory=list)  # every message sent ok
    kinds: list[str] = field(default_factory=list)  # beside each send: "alert" or "reply"
    limited: list[float] = field(default_factory=list)  # when each 429 was answered
    stalls: list[tuple[float, float]] = field(default_factory=list)  # (when, seconds late)
    refused: Counter[str] = field(default_factory=Counter)  # "<code> <method> (<chat>)"
    # A shopper's message, (chat, message id): when it was pushed, seconds to its reply.
    pushed: dict[tuple[int, int], float] = field(default_factory=dict)
    replies: dict[tuple[int, int], float] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def listen(self, call: Call) -> None:
        method = call.method.lower()
        chat = _int(call.params.get("chat_id"))
        if not call.ok:
            if call.error_code == 429:
                self.limited.append(call.time)
            where = "shopper" if chat in self.shoppers else "alert chat" if chat else "no chat"
            self.refused[f"{call.error_code} {call.method} ({where})"] += 1
            return
        if method not in SENDS:
            return
        self.sends.append(call.time)
        self.kinds.append("alert" if chat in self.alert_chats else "reply")
        if chat in self.alert_chats:
            found = ORDER.search(str(call.params.get("text") or call.params.get("caption") or ""))
            if found:
                self.deliveries.append((call.time, int(found.group(1))))
                self.changed.set()
        elif chat in self.shoppers:
            quoted = (chat, _quoted(call.params) or 0)
            if quoted in self.pushed and quoted not in self.replies:
                self.replies[quoted] = call.time - self.pushed[quoted]

    @property
    def four_twenty_nines(self) -> int:
        return sum(n for what, n in self.refused.items() if what.startswith("429"))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _quoted(params: dict[str, Any]) -> int | None:
    """The message a send replies to (reply_parameters, or the older reply_to_message_id)."""
    reply = params.get("reply_parameters")
    if isinstance(reply, str):
        try:
            reply = json.loads(reply)
        except ValueError:
            reply = None
    if isinstance(reply, dict):
        return _int(reply.get("message_id"))
    return _int(params.get("reply_to_message_id"))


# --- the process -----------------------------------------------------------------------------


class Bot:
    """`shopbot run` as a child process in a process group of its own, its output in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: asyncio.subprocess.Process | None = None
        self.started = 0.0

    async def start(self) -> float:
        """Start a process and wait until /healthz answers; the seconds that took."""
        port = free_port()
        started = time.time()
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run",
                env={**self.env, "HTTP_PORT": str(port)}, stdout=out, stderr=out,
                start_new_session=True, cwd=Path(__file__).resolve().parent.parent,
            )  # fmt: skip
        async with aiohttp.ClientSession() as http:
            while time.time() - started < 120:
                if self.proc.returncode is not None:
                    raise RuntimeError(f"shopbot run exited early; see {self.log}")
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        if resp.status == 200:
                            self.started = time.time()
                            return self.started - started
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError(f"shopbot run never became healthy; see {self.log}")

    def cpu(self) -> float:
        """Seconds of CPU the running process has used (user + system)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def kill(self) -> None:
        """SIGKILL the process's group (the process and anything it started)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> int | None:
        """SIGTERM, as a deployment stops it; SIGKILL after 30 s. Its exit code."""
        if self.proc is None or self.proc.returncode is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            await self.kill()
            return self.proc.returncode


# --- the database ----------------------------------------------------------------------------


async def fill(url: str, chat_of: list[int]) -> None:
    """Migrations, the demo catalog, the users and the alerts."""
    await upgrade_database(url)
    deps = Deps.create(load_settings(database_url=url, redis_url=None, log_level="WARNING"))
    try:
        await demo.load(deps.sessions)
        async with deps.sessions.begin() as s:
            await users.touch_many(s, dict.fromkeys(sorted(set(chat_of)), "en"))
        rows = [
            alerts.row(f"bench:{i}", chat, "purchased",
                       {"order_id": i, "currency": "USD", "total_minor": 100})
            for i, chat in enumerate(chat_of, start=1)
        ]  # fmt: skip
        for start in range(0, len(rows), 1000):
            async with deps.sessions.begin() as s:
                await alerts.enqueue_many(s, rows[start : start + 1000])
    finally:
        await deps.close()


async def outbox(url: str) -> dict[str, int]:
    """The alerts' statuses and how many of each."""
    deps = Deps.create(load_settings(database_url=url, redis_url=None, log_level="WARNING"))
    try:
        async with deps.sessions() as s:
            a = models.Alert
            found = await s.execute(select(a.status, func.count()).group_by(a.status))
            return {str(status): int(n) for status, n in found.all()}
    finally:
        await deps.close()


async def forget_pace(redis_url: str | None) -> None:
    """Delete the pacer's keys (shopbot:pace*) and nothing else."""
    if redis_url is None:
        return
    redis = Redis.from_url(redis_url)
    try:
        keys = [k async for k in redis.scan_iter(match="shopbot:pace*", count=1000)]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


# --- one fan-out -----------------------------------------------------------------------------


@dataclass
class Figures:
    kind: str
    n: int
    rate: float  # configured
    seen: Seen
    kill: bool
    startup: float = 0.0  # seconds from starting the process to its first alert
    claimed_at_kill: dict[str, int] = field(default_factory=dict)
    delivered_at_kill: int = 0
    restart: float = 0.0  # seconds from the kill to the last delivery
    restart_healthy: float = 0.0  # seconds from the kill to the new process's /healthz
    untimed: set[tuple[int, int]] = field(default_factory=set)  # shoppers' messages in hand
    killed: float = 0.0  # time.time() of the kill
    unmarked: int = 0  # alerts Telegram had taken at the kill that were not marked sent
    cpu: float = 0.0  # CPU seconds of the (last) process
    exit_code: int | None = None
    errors: int = 0  # tracebacks and ERROR lines in the processes' output
    final: dict[str, int] = field(default_factory=dict)


async def shopper(
    api: LocalBotApi, people: list[FakeUser], seen: Seen, serving: asyncio.Event
) -> None:
    """A search every SEARCH_EVERY seconds while a process serves, the shoppers in turn."""
    i = 0
    while True:
        await serving.wait()
        person = people[i % len(people)]
        update = api.make_message_update(person, QUERIES[i % len(QUERIES)])
        seen.pushed[person.id, int(update["message"]["message_id"])] = time.time()
        api.push_update(update)
        i += 1
        await asyncio.sleep(SEARCH_EVERY)


async def ticker(seen: Seen) -> None:
    """The fake's own lateness: this process's event loop (the fake Bot API answers here, and
    judges the limits when it gets to a request) woken later than asked by more than STALL."""
    while True:
        asked = time.time()
        await asyncio.sleep(TICK)
        late = time.time() - asked - TICK
        if late > STALL:
            seen.stalls.append((time.time(), late))


async def until(seen: Seen, count: int, deadline: float) -> bool:
    """Wait until `count` distinct alerts are delivered; False at `deadline` (time.time)."""
    while len({order for _, order in seen.deliveries}) < count:
        seen.changed.clear()
        left = deadline - time.time()
        if left <= 0:
            return False
        try:
            await asyncio.wait_for(seen.changed.wait(), min(left, 1.0))
        except TimeoutError:
            pass
    return True


async def fan_out(args: argparse.Namespace, kind: str, kill: bool) -> Figures:
    chat_of = layout(args.alerts, args.chats, args.grouped)
    shoppers = range(FIRST_SHOPPER, FIRST_SHOPPER + args.shoppers)
    seen = Seen(frozenset(chat_of), frozenset(shoppers))
    figures = Figures(kind, args.alerts, args.rate, seen, kill)
    redis_url = REDIS_URL if kind == "postgresql" or args.redis else None
    api = LocalBotApi(DEFAULT_TOKEN, flood_limits=True)
    for chat in sorted(set(chat_of)):
        api.user(chat, first_name=f"Chat{chat}")
    people = [api.user(s, first_name=f"Shopper{s}") for s in shoppers]
    api.on_call.append(seen.listen)
    part = "kill" if kill else "one"
    log = Path(tempfile.gettempdir()) / f"shopbot-bench-alerts-{kind}-{part}-{os.getpid()}.log"
    log.unlink(missing_ok=True)
    await api.start()
    serving = asyncio.Event()
    searching = asyncio.create_task(shopper(api, people, seen, serving))
    watching = asyncio.create_task(ticker(seen))
    try:
        async with database(kind, "alerts") as url:
            began = time.perf_counter()
            await fill(url, chat_of)
            print(f"  {kind}: {args.alerts:,} alerts queued for {args.chats:,} chats "
                  f"({time.perf_counter() - began:.1f}s)", flush=True)  # fmt: skip
            env = {
                "PATH": os.environ.get("PATH", ""),
                "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
                "TELEGRAM_API_BASE_URL": api.base_url,
                "DATABASE_URL": url,
                "TELEGRAM_MESSAGES_PER_SECOND": f"{args.rate:g}",
                "LOG_LEVEL": "INFO",
                **({"REDIS_URL": redis_url} if redis_url else {}),
            }
            bot = Bot(env, log)
            await forget_pace(redis_url)
            launched = time.time()
            await bot.start()
            serving.set()
            expected = args.alerts / args.rate
            if kill:
                await until(seen, args.alerts // 2, time.time() + expected + MARGIN)
                # At a moment between two sends, not right as Telegram answers one (then the
                # answer's alert is always in flight: taken by Telegram, not yet marked sent).
                await asyncio.sleep(random.Random(SEED).uniform(0, 1 / args.rate))
                serving.clear()
                await bot.kill()
                killed = figures.killed = time.time()
                figures.delivered_at_kill = len({o for _, o in seen.deliveries})
                figures.claimed_at_kill = await outbox(url)
                figures.unmarked = figures.delivered_at_kill - figures.claimed_at_kill.get(
                    "sent", 0
                )
                figures.untimed = set(seen.pushed) - set(seen.replies)
                await bot.start()
                figures.restart_healthy = bot.started - killed
                serving.set()
                rest = (args.alerts - figures.delivered_at_kill) / args.rate
                deadline = time.time() + max(rest, alerts.CLAIM_TIMEOUT.total_seconds()) + MARGIN
            else:
                deadline = time.time() + expected + MARGIN
            done = await until(seen, args.alerts, deadline)
            if not done:
                print(f"  (gave up waiting: {len({o for _, o in seen.deliveries}):,} of "
                      f"{args.alerts:,} delivered)")  # fmt: skip
            if kill:
                figures.restart = (seen.deliveries[-1][0] if seen.deliveries else time.time()) - (
                    killed
                )
            await asyncio.sleep(2)  # a duplicate on its way, the last replies
            serving.clear()
            if seen.deliveries:
                figures.startup = seen.deliveries[0][0] - launched
            figures.cpu = bot.cpu()
            figures.exit_code = await bot.stop()
            figures.final = await outbox(url)
    finally:
        searching.cancel()
        watching.cancel()
        await asyncio.gather(searching, watching, return_exceptions=True)
        await api.stop()
    text = log.read_text(errors="replace") if log.exists() else ""
    figures.errors = text.count("Traceback") + len(re.findall(r"\bERROR\b", text))
    print(f"  {kind}: the bot's output: {log}")
    return figures


# --- the report ------------------------------------------------------------------------------


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _span(times: list[float]) -> float:
    return times[-1] - times[0] if len(times) > 1 else 0.0


def _rate(times: list[float]) -> float:
    return (len(times) - 1) / _span(times) if len(times) > 1 else 0.0


def report(f: Figures) -> None:
    seen = f.seen
    times = [t for t, _ in seen.deliveries]
    counts = Counter(order for _, order in seen.deliveries)
    lost = sorted(set(range(1, f.n + 1)) - set(counts))
    duplicated = {order: n for order, n in counts.items() if n > 1}
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    alert_rate = (len(times) - 1) / span if len(times) > 1 else 0.0
    sent = [t for t in seen.sends if times and times[0] <= t <= times[-1]]
    sent_rate = (len(sent) - 1) / span if len(sent) > 1 else 0.0
    share = sent_rate / f.rate
    replies = [s for message, s in seen.replies.items() if message not in f.untimed]
    p95 = quantile(replies, 0.95)
    title = "with a SIGKILL half-way and a restart" if f.kill else "one process"
    print(f"{f.kind}: {f.n:,} alerts to {len(seen.alert_chats):,} chats, {title}")
    print(f"  fan-out       : {span:.1f} s, first alert {f.startup:.1f} s after the process "
          f"started; bot CPU {f.cpu:.1f} s (last process)")  # fmt: skip
    print(f"  alerts/s      : {alert_rate:.2f} ({alert_rate / f.rate:.2%} of {f.rate:g}/s)")
    print(f"  messages/s    : {sent_rate:.2f} ({share:.2%} of {f.rate:g}/s; alerts and the "
          f"{len(sent) - len(times):,} replies sent meanwhile)")  # fmt: skip
    stalls = [late for t, late in seen.stalls if times and times[0] <= t <= times[-1]]
    print(f"  fake's loop   : late by more than {STALL * 1000:.0f} ms {len(stalls)} times during "
          f"the fan-out, at most {max(stalls, default=0) * 1000:.0f} ms")  # fmt: skip
    middle = sent[len(sent) // 10 : len(sent) - len(sent) // 10]
    print(f"  steady        : {_rate(middle):.2f} messages/s ({_rate(middle) / f.rate:.2%}) over the "
          f"middle 80% of the sends (the rest: the start, the last chats' one-a-second tail)")  # fmt: skip
    print(f"  429s          : {seen.four_twenty_nines}  (refused calls: {dict(seen.refused)})")
    for at in seen.limited[:5]:  # what came before it: a burst after a gap is a stalled sender
        before = [t for t in seen.sends if at - 1 <= t < at]
        gaps = [b - a for a, b in itertools.pairwise(before)]
        print(f"    429 at +{at - (times[0] if times else at):.1f} s: {len(before)} sends in the second before it, "
              f"the longest gap between them {max(gaps, default=0) * 1000:.0f} ms, the shortest "
              f"{min(gaps, default=0) * 1000:.1f} ms; the fake's loop "
              + ("stalled just before it" if any(at - 0.2 <= t <= at + 0.05 for t, _ in
                 seen.stalls) else "not stalled then"))  # fmt: skip
        near = [(t, k) for t, k in zip(seen.sends, seen.kinds, strict=True) if at - 1 <= t < at]
        if len(near) > 1:
            i = min(range(1, len(near)), key=lambda j: near[j][0] - near[j - 1][0])
            around = near[max(0, i - 3) : i + 3]
            print("      around the shortest gap: " + ", ".join(
                f"{k} {(t - around[0][0]) * 1000:.1f} ms" for t, k in around))  # fmt: skip
    print(f"  delivered     : {len(counts):,} distinct of {f.n:,}, {len(times):,} deliveries")
    print(f"  lost          : {len(lost)}" + (f" (e.g. #{lost[:10]})" if lost else ""))
    print(f"  duplicated    : {len(duplicated)}"
          + (f" (e.g. {dict(list(duplicated.items())[:10])})" if duplicated else ""))  # fmt: skip
    if f.kill:
        before = [t for t in times if t < f.killed]
        after = [t for t in times if t >= f.killed]
        print(f"  at the kill   : {f.delivered_at_kill:,} delivered, {f.unmarked} of them not "
              f"marked sent; outbox {f.claimed_at_kill}")  # fmt: skip
        print(f"  alerts/s      : {_rate(before):.2f} before the kill, {_rate(after):.2f} after "
              f"the restart ({len(after):,} deliveries, {_span(after):.1f} s)")  # fmt: skip
        print(f"  restart       : healthy {f.restart_healthy:.1f} s after the kill, last alert "
              f"{f.restart:.1f} s after it; {len(f.untimed)} shopper message(s) the kill left "
              f"unanswered (not timed; {len(f.untimed & set(seen.replies))} answered later)")  # fmt: skip
    print(f"  outbox at end : {f.final}; the bot exited {f.exit_code}, {f.errors} errors logged")
    print(
        f"  search reply  : {len(replies)} timed of {len(seen.pushed)} sent; p50 "
        f"{quantile(replies, 0.5):.3f} s  p95 {p95:.3f} s  max {max(replies, default=0):.3f} s"
    )
    verdicts = [
        f"rate >= {TARGET_SHARE:.0%}: " + ("met" if share >= TARGET_SHARE else "missed"),
        "429s = 0: " + ("met" if seen.four_twenty_nines == 0 else "missed"),
        "lost = 0: " + ("met" if not lost else "missed"),
        "duplicated = 0: " + ("met" if not duplicated else "missed"),
        f"reply p95 <= {TARGET_P95:g} s: " + ("met" if p95 <= TARGET_P95 else "missed"),
    ]
    print("  targets: " + "; ".join(verdicts), flush=True)


async def main_async(args: argparse.Namespace) -> None:
    if args.database == "postgresql":
        why = await unreachable(PG_SERVER)
        if why:
            print(f"postgresql: skipped, the server does not answer ({why})")
            return
    shared = "Redis" if args.database == "postgresql" or args.redis else "none (one process)"
    print(f"{args.alerts:,} alerts to {args.chats:,} chats ("
          f"{'grouped' if args.grouped else 'shuffled'}), TELEGRAM_MESSAGES_PER_SECOND="
          f"{args.rate:g}, {args.database}, shared budgets: {shared}; a search every "
          f"{SEARCH_EVERY:g} s by {args.shoppers} shopper(s) in turn; {os.cpu_count()} cores", flush=True)  # fmt: skip
    report(await fan_out(args, args.database, kill=False))
    if not args.no_kill:
        report(await fan_out(args, args.database, kill=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", "--alerts", type=int, default=5000)
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=30.0, help="TELEGRAM_MESSAGES_PER_SECOND")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--redis", action="store_true", help="share budgets through Redis")
    parser.add_argument("--no-kill", action="store_true", help="skip the SIGKILL run")
    parser.add_argument(
        "--shoppers", type=int, default=4, help="searching in turn, one search every 0.5 s"
    )
    parser.add_argument("--grouped", action="store_true", help="a chat's alerts together")
    args = parser.parse_args()
    if args.chats < 1 or args.alerts < args.chats or not 1 <= args.rate <= 30 or args.shoppers < 1:
        parser.error("--chats >= 1, -n >= --chats, 1 <= --rate <= 30 and --shoppers >= 1")
    log_warnings()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
