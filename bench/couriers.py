"""Signed AfterShip webhook events per second, and their latency, against a bare verify-only handler.

AfterShip delivers every tracking update at least once, signed, and expects a 2xx fast; shopbot
must record each scan once, move a number's status only forward and alert each follower once
per move. This script measures the real path: the web app of `shopbot run`
(`make_web_app(deps)`, POST /webhooks/aftership: the adapter's `verify` on the raw body, then
`deps.couriers.receive`, the updates arriving together applied in one transaction by
`bot.services.tracking_updates.ingest_many`) served on loopback, on a fresh migrated database:
a SQLite file in a temporary folder, and a PostgreSQL database of its own
(shopbot_bench_<random>, created on the server and dropped at the end). The provider is
configured with a webhook secret and an API base nobody listens on: webhooks are only verified,
and no number is registered with AfterShip.

Before timing, M = ceil(N / 2) China Post numbers are tracked (`tracking.start`, provider
"aftership"), each followed by one shopper (`tracking.follow`). Then a client in a child process
(the server's process pays only for the server) POSTs, C at a time over keep-alive connections,
N `tracking_update` events in AfterShip's shape (`{ts, event, event_id, msg: {tracking}}`, the
tracking with every checkpoint so far, as AfterShip sends it), each number's first event for
every number before any second one: a number's first event moves its status (info_received, or
in_transit for every other number, whose first event lists two scans), its second adds a scan
(in_transit: a move for the first kind, history for the second). Each is signed as AfterShip
signs (`aftership-hmac-sha256` = base64(HMAC-SHA256(secret, raw body)), written here, not the
adapter's code), plus a share (10%) of repeats: the same body again, as AfterShip's
redeliveries are. An event answered non-2xx is delivered again (at the end of the queue, up to
ATTEMPTS times). Printed: events answered per second, p50 / p95 / p99, the server process's CPU
per event, the statuses and outcomes seen, then what the database holds: one tracking_events
row per distinct scan, every number's status its newest scan's, one "tracking" alert per number,
moved status and follower. The alerts are not sent (`deps.couriers.on_alerts` stays a no-op),
as in a process that only serves webhooks.

The baseline, in the same run and with the same client: the same bodies to a bare aiohttp app
whose handler reads the raw body, checks the same signature with `hmac.compare_digest` and
answers 200; the ratio is shopbot / bare. Target: >= 1,000 events/s on PostgreSQL (SQLite's
figure and both p95 are reported without one), every event applied once.

Run: `.venv/bin/python bench/couriers.py [-n 3000] [-c 32] [--database sqlite|postgresql|both]
[--repeats 0.1] [--profile FILE]`. BENCH_PG_SERVER names the PostgreSQL server (default
postgresql+asyncpg://postgres@127.0.0.1:5432/postgres). `--profile FILE` writes a cProfile of
the server's main thread during the timed shopbot runs (`python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import gc
import hashlib
import hmac
import json
import random
import secrets
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web
from sqlalchemy import func, select

from bench.common import (
    Deliver,
    Run,
    analyzed,
    database,
    line,
    schedule,
    served,
    webhook_bench,
)
from bot import models
from bot.config import load_settings
from bot.migrate import upgrade_database
from bot.process.couriers import providers
from bot.process.deps import Deps
from bot.services import tracking, users
from bot.web.app import make_web_app

TARGET_EVENTS = {"postgresql": 1000.0}  # SQLite's figure is reported without a target
SECRET = secrets.token_hex(24)  # this run's webhook secret only; never written anywhere
ENV = {
    "AFTERSHIP_API_KEY": "asat_bench_" + secrets.token_hex(8),
    "AFTERSHIP_WEBHOOK_SECRET": SECRET,
    "AFTERSHIP_API_BASE": "http://127.0.0.1:9",  # should anything call the API: refused here
}
PATH = "/webhooks/aftership"
SIGNATURE_HEADER = "aftership-hmac-sha256"
FIRST_USER = 710_000_000
FIRST_SERIAL = 31_000_000  # the numbers: RR310000003CN, RR310000017CN, ...
WARMUP = 200  # events (and numbers) sent before timing, to warm connections, pools and caches
SEED = 17


# --- the events ------------------------------------------------------------------------------

CHINA = timezone(timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class Scan:
    tag: str
    subtag: str
    message: str
    city: str
    country: str  # ISO 3166-1 alpha-3, as AfterShip's country_region
    zone: timezone  # the carrier reports local times
    status: str  # the normalized status this scan means (integrations.types.TrackingStatus)


# A China Post parcel to Germany, scan by scan. A number's events list scans 0..k.
SCANS = (
    Scan("InfoReceived", "InfoReceived_001", "Electronic information submitted by shipper",
         "Shenzhen", "CHN", CHINA, "info_received"),
    Scan("InTransit", "InTransit_002", "Posting/Collection", "Shenzhen", "CHN", CHINA,
         "in_transit"),
    Scan("InTransit", "InTransit_007", "Departure from outward office of exchange", "Guangzhou",
         "CHN", CHINA, "in_transit"),
)  # fmt: skip
SCAN_HOURS = 9  # between two scans of a number


def s10(serial: int) -> str:
    """The China Post (UPU S10) number of an 8-digit serial, with its check digit."""
    digits = f"{serial:08d}"
    total = sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = {10: 0, 11: 5}.get(11 - total % 11, 11 - total % 11)
    return f"RR{digits}{check}CN"


@dataclass(frozen=True, slots=True)
class Event:
    number: int  # index of the number
    last: int  # the event lists SCANS[0..last]


def checkpoint(scan: Scan, at: datetime) -> dict[str, Any]:
    """A checkpoint as AfterShip sends it (API 2025-07)."""
    when = at.astimezone(scan.zone).isoformat(timespec="seconds")
    return {
        "slug": "china-post", "checkpoint_time": when, "created_at": when,
        "tag": scan.tag, "subtag": scan.subtag,
        "subtag_message": scan.subtag.replace("_", " "), "message": scan.message,
        "location": None, "city": scan.city, "state": None, "zip": None,
        "country_region": scan.country, "country_region_name": None, "coordinate": None,
        "raw_tag": None, "source": "carrier", "events": [],
    }  # fmt: skip


def event_body(number: str, last: int, first_scan: datetime, tracking_id: str) -> bytes:
    """The tracking_update AfterShip sends when `number`'s scan `last` arrives: the whole
    tracking with every checkpoint so far."""
    scans = SCANS[: last + 1]
    times = [first_scan + timedelta(hours=SCAN_HOURS * k) for k in range(last + 1)]
    newest = scans[-1]
    tracking = {
        "id": tracking_id, "tracking_number": number, "slug": "china-post", "active": True,
        "tag": newest.tag, "subtag": newest.subtag,
        "subtag_message": newest.subtag.replace("_", " "), "title": number,
        "created_at": (first_scan - timedelta(hours=2)).isoformat(timespec="seconds"),
        "updated_at": times[-1].isoformat(timespec="seconds"),
        "origin_country_region": "CHN", "origin_state": None, "origin_city": None,
        "destination_country_region": "DEU", "destination_state": None,
        "destination_city": None, "courier_destination_country_region": "DEU",
        "shipment_type": "EMS", "shipment_package_count": 1, "shipment_weight": None,
        "signed_by": None, "source": "api", "tracked_count": last + 1,
        "transit_time": None, "on_time_status": None, "language": "en",
        "customer_name": None, "order_id": None, "order_number": None, "order_date": None,
        "custom_fields": {}, "note": None, "return_to_sender": False,
        "last_mile": None, "courier_tracking_link": None, "courier_redirect_link": None,
        "first_attempted_at": None, "latest_estimated_delivery": None,
        "aftership_estimated_delivery_date": None, "checkpoints": [
            checkpoint(scan, at) for scan, at in zip(scans, times, strict=True)
        ],
    }  # fmt: skip
    payload = {
        "ts": int(time.time()),
        "event": "tracking_update",
        "event_id": str(uuid.uuid4()),
        "is_tracking_first_tag": last == 0,
        "msg": tracking,
    }
    return json.dumps(payload, ensure_ascii=False).encode()


def aftership_signature(secret: str, body: bytes) -> str:
    """AfterShip's webhook signature of `body`."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def aftership_headers(secret: str, body: bytes) -> dict[str, str]:
    """The headers of one delivery of `body` (called in the client's process)."""
    return {
        "Content-Type": "application/json",
        "as-webhook-version": "2025-07",
        SIGNATURE_HEADER: aftership_signature(secret, body),
    }


@dataclass
class Plan:
    """The numbers of a run and their events, in sending order (repeats come later)."""

    numbers: list[str]
    warm: list[Event]  # one first event per warm-up number
    timed: list[Event]  # every number's first event (shuffled), then second ones, same order


def plan(n: int, rng: random.Random) -> Plan:
    """WARMUP + ceil(n / 2) numbers; n timed events, first events before second ones."""
    tracked = (n + 1) // 2
    count = WARMUP + tracked
    numbers = [s10(FIRST_SERIAL + i) for i in range(count)]
    start = [i % 2 for i in range(count)]  # every other number's first event lists two scans
    warm = [Event(i, start[i]) for i in range(WARMUP)]
    order = list(range(WARMUP, count))
    rng.shuffle(order)
    first = [Event(i, start[i]) for i in order]
    # In the same order: a number's second event comes M events after its first, as a
    # carrier's scans of one parcel come hours apart, never in one batch.
    second = [Event(i, start[i] + 1) for i in order[: n - tracked]]
    return Plan(numbers, warm, first + second)


@dataclass
class Expected:
    scans: dict[str, int]  # number -> scans recorded
    status: dict[str, str]  # number -> status of its newest scan
    alerts: set[tuple[str, str, int]]  # (number, status moved to, follower)
    outcomes: Counter[str]  # of the timed events, each applied once in sending order


def expected(p: Plan, followers: dict[str, int]) -> Expected:
    scans: dict[str, int] = {}
    status: dict[str, str] = {}
    alerts: set[tuple[str, str, int]] = set()
    outcomes: Counter[str] = Counter()
    for e, is_timed in [(e, False) for e in p.warm] + [(e, True) for e in p.timed]:
        number, now = p.numbers[e.number], SCANS[e.last].status
        moved = now != status.get(number)
        if moved:
            alerts.add((number, now, followers[number]))
        if is_timed:
            outcomes["moved" if moved else "history"] += 1
        scans[number], status[number] = e.last + 1, now
    return Expected(scans, status, alerts, outcomes)


# --- serving ---------------------------------------------------------------------------------


async def bare_verify(request: web.Request) -> web.Response:
    """The baseline: check the signature on the raw body, answer 200."""
    raw = await request.read()
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not hmac.compare_digest(aftership_signature(SECRET, raw).encode(), given.encode()):
        return web.Response(status=401, text="bad signature")
    return web.json_response({"received": True})


def bare_app() -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(PATH, bare_verify)
    return app


# --- the database ----------------------------------------------------------------------------


async def tracked(deps: Deps, numbers: list[str]) -> dict[str, int]:
    """Every number tracked with AfterShip (as China Post), each followed by a shopper of its
    own; number -> follower."""
    followers = {number: FIRST_USER + i for i, number in enumerate(numbers)}
    async with deps.sessions.begin() as s:
        await users.touch_many(s, dict.fromkeys(followers.values(), "en"))
        for number, user_id in followers.items():
            track = await tracking.start(s, number, "china-post", "aftership")
            await tracking.follow(s, user_id, track)
    return followers


async def applied_once(deps: Deps, want: Expected) -> str:
    """What is wrong with the database after the run ("" when every event was applied once)."""
    async with deps.sessions() as s:
        rows = (
            await s.execute(
                select(models.Tracking.id, models.Tracking.number, models.Tracking.status)
            )
        ).all()
        numbers = {tid: number for tid, number, _ in rows}
        status = {number: st for _, number, st in rows}
        per = (
            await s.execute(
                select(models.TrackingEvent.tracking_id, func.count())
                .group_by(models.TrackingEvent.tracking_id)
            )
        ).all()  # fmt: skip
        scans = {numbers[tid]: count for tid, count in per}
        distinct = await s.scalar(
            select(func.count()).select_from(
                select(models.TrackingEvent.tracking_id, models.TrackingEvent.key)
                .distinct()
                .subquery()
            )
        )
        found = (
            await s.execute(
                select(models.Alert.chat_id, models.Alert.params).where(
                    models.Alert.kind == "tracking"
                )
            )
        ).all()
    alerts = Counter(
        (numbers.get(p.get("tracking_id"), "?"), str(p.get("status")), chat) for chat, p in found
    )
    wrong = []
    if scans != want.scans:
        bad = sum(1 for k in want.scans.keys() | scans.keys() if scans.get(k) != want.scans.get(k))
        wrong.append(f"{bad} numbers with other than their scans ({sum(scans.values())} rows)")
    if distinct != sum(want.scans.values()):
        wrong.append(f"{distinct} distinct scan keys for {sum(want.scans.values())} scans")
    if status != want.status:
        bad = sum(1 for k in want.status if status.get(k) != want.status[k])
        wrong.append(f"{bad} numbers not at their newest scan's status")
    twice = sum(1 for n in alerts.values() if n > 1)
    if twice or set(alerts) != want.alerts:
        wrong.append(
            f"{len(found)} tracking alerts for {len(want.alerts)} moves ({twice} repeated, "
            f"{len(want.alerts - set(alerts))} missing, {len(set(alerts) - want.alerts)} unwanted)"
        )
    return "; ".join(wrong)


# --- one database's run ----------------------------------------------------------------------


@dataclass
class Figures:
    kind: str
    shopbot: Run
    bare: Run
    problem: str
    sent: int  # events sent (each delivered until answered 2xx, up to ATTEMPTS times)
    numbers: int
    scans: int
    alerts: int


async def measure(
    kind: str, n: int, repeats: float, concurrency: int, send: Deliver, profile: cProfile.Profile
) -> Figures:
    """Shopbot on a fresh database of `kind`, then the bare app, with the same events."""
    rng = random.Random(SEED)
    p = plan(n, rng)
    async with database(kind, "couriers") as url:
        await upgrade_database(url)
        settings = load_settings(database_url=url, redis_url=None, log_level="WARNING")
        deps = Deps.create(settings)
        deps.couriers.providers = providers(ENV, deps.http)
        try:
            started = time.perf_counter()
            followers = await tracked(deps, p.numbers)
            await analyzed(deps)
            took = time.perf_counter() - started
            print(f"{kind}: {len(p.numbers):,} numbers tracked and followed ({took:.1f}s)")
            first_scan = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
            ids = [secrets.token_hex(16) for _ in p.numbers]  # AfterShip's tracking ids

            def body(e: Event) -> bytes:
                return event_body(p.numbers[e.number], e.last, first_scan, ids[e.number])

            warm = [body(e) for e in p.warm]
            timed = [body(e) for e in p.timed]
            sequence = [timed[i] for i in schedule(n, repeats, 2 * concurrency, rng)]
            async with served(make_web_app(deps)) as base:
                await send(base + PATH, warm)
                gc.collect()
                gc.freeze()  # as the bot does after start-up (bot/telegram/app.py)
                profile.enable()
                ours = await send(base + PATH, sequence)
                profile.disable()
            want = expected(p, followers)
            problems = [
                await applied_once(deps, want),
                answered(ours, want.outcomes + Counter(duplicate=len(sequence) - n)),
            ]
        finally:
            await deps.close()
            gc.unfreeze()
    async with served(bare_app()) as base:
        await send(base + PATH, warm)
        gc.collect()
        bare = await send(base + PATH, sequence)
    return Figures(
        kind, ours, bare, "; ".join(x for x in problems if x), len(sequence),
        len(p.numbers), sum(want.scans.values()), len(want.alerts),
    )  # fmt: skip


def answered(run: Run, wanted: Counter[str]) -> str:
    """What is wrong with the answers ("" when each event was answered as applied once, each
    repeat duplicate)."""
    if run.outcomes == +wanted:
        return ""
    return f"answers {dict(run.outcomes)} (wanted {dict(+wanted)}), statuses {dict(run.statuses)}"


def report(f: Figures, n: int) -> None:
    s, b = f.shopbot, f.bare
    repeated = f.sent - n
    print(f"{f.kind}: {f.sent:,} events sent ({n:,} distinct, {repeated:,} repeats)")
    print(line("shopbot", s) + f"  outcomes {dict(s.outcomes)}")
    print(line("bare verify", b))
    print(f"  ratio shopbot / bare: {s.rate / b.rate:.2f}")
    print(
        "  applied once: "
        + (f"NO: {f.problem}" if f.problem else f"yes ({n + WARMUP:,} events on {f.numbers:,} "
           f"numbers: {f.scans:,} scans recorded once, each number at its newest scan's status, "
           f"{f.alerts:,} alerts, one per move and follower; {repeated:,} repeats answered "
           "duplicate)")
    )  # fmt: skip
    verdicts = []
    target = TARGET_EVENTS.get(f.kind)
    if target is not None:
        verdicts.append(f"events/s >= {target:,.0f}: " + ("met" if s.rate >= target else "NOT MET"))
    verdicts.append("applied once: " + ("met" if not f.problem else "NOT MET"))
    print("  targets: " + "; ".join(verdicts))


def banner(args: argparse.Namespace) -> str:
    return (
        f"{args.events:,} signed AfterShip tracking_update events (+{args.repeats:.0%} "
        f"repeats) on {(args.events + 1) // 2:,} numbers, {args.concurrency} concurrent "
        f"keep-alive clients in a child process, after {WARMUP} warm-up events"
    )


def main() -> None:
    webhook_bench(__doc__ or "", partial(aftership_headers, SECRET), banner, measure, report)


if __name__ == "__main__":
    main()
