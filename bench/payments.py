"""Signed Stripe webhook events per second, and their latency, against a bare verify-only handler.

Stripe delivers every event at least once, signed, and expects a 2xx fast; shopbot must apply each
event exactly once (issue 13). This script measures the real path: the web app of `shopbot run`
(`make_web_app(Deps.create(settings))`, POST /webhooks/stripe: the provider's `parse_event`, then
`deps.payments.receive`, one transaction per event) served on loopback, on a fresh migrated
database: a SQLite file in a temporary folder, and a PostgreSQL database of its own
(shopbot_bench_<random>, created on the server and dropped at the end).

Before timing, N shoppers each get a cart with one variant and an order for it, waiting for
payment. Then a client in a child process (the server's process pays only for the server) POSTs,
C at a time over keep-alive connections, one `checkout.session.completed` event per order in
Stripe's shape (paid, amount, client_reference_id and metadata.order_id, the address and phone
the payment page collected), each signed as it is sent, as Stripe signs (`Stripe-Signature:
t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`), plus a share (10%) of repeats of events
sent earlier: the same body signed again, as Stripe's redeliveries are. An event answered
non-2xx is delivered again, as Stripe would (here at the end of the queue, up to ATTEMPTS
times). Each delivery's latency is taken by the client. Printed: events answered per second,
p50 / p95 / p99, the server process's CPU per event, the statuses and outcomes seen, then what
the database holds: each event recorded once, each order paid with one 'paid' timeline row and
one 'paid' alert. Whatever the app starts after its answer (reviewing a paid order against the
marketplace) runs in the same process, interleaved; the alerts are not sent
(`deps.payments.on_alerts` stays a no-op), as in a process that only serves webhooks.

The baseline, in the same run and with the same client: the same events, signed afresh, to a bare
aiohttp app whose handler only verifies the signature (`stripe.Webhook.construct_event`) and
answers 200; the ratio is shopbot / bare. Targets: >= 500 events/s on SQLite, >= 1,000 on
PostgreSQL, p95 <= 50 ms on both, every event applied once.

Run: `.venv/bin/python bench/payments.py [-n 3000] [-c 32] [--database sqlite|postgresql|both]
[--repeats 0.1] [--profile FILE]`. BENCH_PG_SERVER names the PostgreSQL server (default
postgresql+asyncpg://postgres@127.0.0.1:5432/postgres; its database is used only to create and
drop the bench's own). `--profile FILE` writes a cProfile of the server's main thread during
the timed shopbot runs (`python -m pstats FILE`; SQLAlchemy's greenlets blur its call tree, and
aiosqlite's thread is not in it: py-spy sees both).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import hmac
import json
import random
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import stripe
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
from bot.process.deps import Deps
from bot.services import cart, catalog, orders, users
from bot.web.app import make_web_app
from integrations.money import Money
from integrations.types import Offer, Product, Sku

TARGET_EVENTS = {"sqlite": 500.0, "postgresql": 1000.0}
TARGET_P95_MS = 50.0
WEBHOOK_SECRET = "whsec_" + secrets.token_hex(16)  # this run's only; never written anywhere
FIRST_USER = 700_000_000
WARMUP = 200  # events (and orders) sent before timing, to warm connections, pools and caches
SEED = 13


# --- the events ------------------------------------------------------------------------------


# What the payment page collected (made up; sealed into the order like a real one).
ADDRESS = {
    "city": "Berlin", "country": "DE", "line1": "Benchstrasse 1", "line2": None,
    "postal_code": "10115", "state": None,
}  # fmt: skip


def event_body(order_id: int, created: int) -> bytes:
    """A checkout.session.completed event for `order_id`, as Stripe sends it (the fields its
    parser reads, and the usual company around them)."""
    tag = f"{order_id:010d}"
    session = {
        "id": f"cs_test_bench{tag}",
        "object": "checkout.session",
        "amount_subtotal": 2999,
        "amount_total": 2999,
        "client_reference_id": str(order_id),
        "created": created - 60,
        "currency": "usd",
        "customer": None,
        "customer_details": {
            "address": ADDRESS,
            "email": "shopper@example.invalid",
            "name": "Bench Shopper",
            "phone": "+490000000000",
            "tax_exempt": "none",
            "tax_ids": [],
        },
        "collected_information": {
            "shipping_details": {"address": ADDRESS, "name": "Bench Shopper"},
        },
        "expires_at": created + 1740,
        "livemode": False,
        "locale": "en",
        "metadata": {"order_id": str(order_id)},
        "mode": "payment",
        "payment_intent": f"pi_bench{tag}",
        "payment_method_types": ["card", "alipay", "wechat_pay"],
        "payment_status": "paid",
        "status": "complete",
        "success_url": "https://t.me/paid",
        "cancel_url": "https://t.me/cancelled",
        "url": None,
    }
    event = {
        "id": f"evt_bench{tag}{secrets.token_hex(4)}",
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": created,
        "data": {"object": session},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "checkout.session.completed",
    }
    return json.dumps(event, indent=2).encode()  # Stripe sends its events pretty-printed


def sign(body: bytes, secret: str, at: int) -> str:
    """The Stripe-Signature header Stripe would send with `body` at unix time `at`."""
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def stripe_headers(secret: str, body: bytes) -> dict[str, str]:
    """The headers of one delivery of `body`, signed now (as Stripe signs each delivery, a
    redelivery too); called in the client's process."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Stripe/1.0",
        "Stripe-Signature": sign(body, secret, int(time.time())),
    }


# --- serving ---------------------------------------------------------------------------------


async def bare_verify(request: web.Request) -> web.Response:
    """The baseline: verify the signature on the raw body, answer 200."""
    raw = await request.read()
    try:
        stripe.Webhook.construct_event(
            raw, request.headers.get("Stripe-Signature", ""), WEBHOOK_SECRET
        )
    except (stripe.SignatureVerificationError, ValueError):
        return web.Response(status=400, text="bad signature")
    return web.json_response({"received": True})


def bare_app() -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post("/webhooks/stripe", bare_verify)
    return app


# --- the database ----------------------------------------------------------------------------


def _money(amount: str, currency: str = "CNY") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


# An order's quote as bot/services/checkout.py `snapshot` keeps it.
QUOTE = {
    "country": "DE", "line_id": "standard", "line_name": "Standard air", "goods": _money("398.00"),
    "domestic_shipping": _money("8.00"), "international": _money("62.00"),
    "service_fee": _money("20.00"), "duties": _money("0.00"), "total": _money("488.00"),
    "charge": _money("29.99", "USD"), "delivery_days": [8, 15], "billable_grams": 600,
    "estimated_weight": False, "rates_version": "2026-12-01", "fx_day": "2026-12-04",
}  # fmt: skip


async def orders_waiting(deps: Deps, count: int) -> list[int]:
    """`count` shoppers, each with one variant in the cart and an order for it in
    pending_payment; the orders' ids."""
    product = Product(
        "demo", "bench-pay-1", "蓝牙耳机 降噪 长续航",
        (Sku("bench-pay-1-a", Offer(Decimal("199.00"), "CNY"), weight_grams=300),),
        url="https://x.cn/bench-pay-1", category="数码/耳机",
    )  # fmt: skip
    expires = datetime.now(UTC) + timedelta(minutes=30)
    shoppers = list(range(FIRST_USER, FIRST_USER + count))
    async with deps.sessions.begin() as s:
        await catalog.upsert(s, [product])
        sku = await s.scalar(select(models.Sku.id))
        assert sku is not None
        await users.touch_many(s, dict.fromkeys(shoppers, "en"))
        for user_id in shoppers:
            await cart.add(s, user_id, sku, 2)
        items = (await cart.view(s, shoppers[0])).buyable
        ids = []
        for user_id in shoppers:
            order = await orders.create(
                s, user_id=user_id, items=items, quote=QUOTE,
                charge=Money(Decimal("29.99"), "USD"), country="DE", shipping_line="standard",
                language="en", provider="stripe", expires_at=expires,
            )  # fmt: skip
            ids.append(order.id)
    return ids


async def applied_once(deps: Deps, orders_paid: int) -> str:
    """What is wrong with the database after the run ("" when every event was applied once)."""
    async with deps.sessions() as s:
        events = await s.scalar(select(func.count()).select_from(models.PaymentEvent))
        distinct = await s.scalar(select(func.count(func.distinct(models.PaymentEvent.event_id))))
        outcomes = dict(
            (
                await s.execute(
                    select(models.PaymentEvent.outcome, func.count()).group_by(
                        models.PaymentEvent.outcome
                    )
                )
            ).all()
        )
        statuses = dict(
            (
                await s.execute(
                    select(models.Order.status, func.count()).group_by(models.Order.status)
                )
            ).all()
        )
        per_order = (
            select(models.OrderEvent.order_id, func.count().label("n"))
            .where(models.OrderEvent.kind == "paid")
            .group_by(models.OrderEvent.order_id)
            .subquery()
        )
        timeline: dict[int, int] = dict(
            (await s.execute(select(per_order.c.n, func.count()).group_by(per_order.c.n))).all()
        )
        alerts = await s.scalar(
            select(func.count()).select_from(models.Alert).where(models.Alert.kind == "paid")
        )
    wrong = []
    if events != orders_paid or distinct != orders_paid:
        wrong.append(f"{events} payment_events ({distinct} distinct ids) for {orders_paid} events")
    if outcomes != {"paid": orders_paid}:
        wrong.append(f"event outcomes {outcomes}")
    if statuses != {"paid": orders_paid}:
        wrong.append(f"order states {statuses}")
    if timeline != {1: orders_paid}:
        wrong.append(f"'paid' timeline rows per order {timeline}")
    if alerts != orders_paid:
        wrong.append(f"{alerts} 'paid' alerts")
    return "; ".join(wrong)


# --- one database's run ----------------------------------------------------------------------


@dataclass
class Figures:
    kind: str
    shopbot: Run
    bare: Run
    problem: str
    sent: int  # events sent (each delivered until answered 2xx, up to ATTEMPTS times)


async def measure(
    kind: str, n: int, repeats: float, concurrency: int, send: Deliver, profile: cProfile.Profile
) -> Figures:
    """Shopbot on a fresh database of `kind`, then the bare app, with the same events."""
    async with database(kind, "payments") as url:
        await upgrade_database(url)
        settings = load_settings(
            database_url=url, redis_url=None, stripe_secret_key="sk_test_bench",
            stripe_webhook_secret=WEBHOOK_SECRET, stripe_api_base=None, log_level="WARNING",
        )  # fmt: skip
        deps = Deps.create(settings)
        try:
            started = time.perf_counter()
            order_ids = await orders_waiting(deps, WARMUP + n)
            await analyzed(deps)
            print(f"{kind}: {WARMUP + n:,} orders waiting ({time.perf_counter() - started:.1f}s)")
            created = int(time.time())
            bodies = [event_body(order_id, created) for order_id in order_ids]
            warm, timed = bodies[:WARMUP], bodies[WARMUP:]
            rng = random.Random(SEED)
            sequence = [timed[i] for i in schedule(n, repeats, 2 * concurrency, rng)]
            async with served(make_web_app(deps)) as base:
                await send(f"{base}/webhooks/stripe", warm)
                gc.collect()
                gc.freeze()  # as the bot does after start-up (bot/telegram/app.py)
                profile.enable()
                ours = await send(f"{base}/webhooks/stripe", sequence)
                profile.disable()
            problems = [await applied_once(deps, WARMUP + n), answered(ours, n, len(sequence) - n)]
        finally:
            await deps.close()
            gc.unfreeze()
    async with served(bare_app()) as base:
        await send(f"{base}/webhooks/stripe", warm)
        gc.collect()
        bare = await send(f"{base}/webhooks/stripe", sequence)
    return Figures(kind, ours, bare, "; ".join(p for p in problems if p), len(sequence))


def answered(run: Run, n: int, repeated: int) -> str:
    """What is wrong with the answers ("" when each event was answered paid once and each
    repeat duplicate)."""
    wanted = Counter({"paid": n, "duplicate": repeated})
    if run.outcomes == +wanted:
        return ""
    return f"answers {dict(run.outcomes)}, statuses {dict(run.statuses)}"


def report(f: Figures, n: int) -> None:
    s, b = f.shopbot, f.bare
    repeated = f.sent - n
    print(f"{f.kind}: {f.sent:,} events sent ({n:,} distinct, {repeated:,} repeats)")
    print(line("shopbot", s) + f"  outcomes {dict(s.outcomes)}")
    print(line("bare verify", b))
    print(f"  ratio shopbot / bare: {s.rate / b.rate:.2f}")
    print(
        "  applied once: "
        + (f"NO: {f.problem}" if f.problem else f"yes ({n + WARMUP:,} events, each order paid "
           f"once with one timeline row and one alert; {repeated:,} repeats answered duplicate)")
    )  # fmt: skip
    target = TARGET_EVENTS[f.kind]
    verdicts = [
        f"events/s >= {target:,.0f}: " + ("met" if s.rate >= target else "NOT MET"),
        f"p95 <= {TARGET_P95_MS:g} ms: " + ("met" if s.ms(0.95) <= TARGET_P95_MS else "NOT MET"),
        "applied once: " + ("met" if not f.problem else "NOT MET"),
    ]
    print("  targets: " + "; ".join(verdicts))


def banner(args: argparse.Namespace) -> str:
    return (
        f"{args.events:,} signed checkout.session.completed events (+{args.repeats:.0%} "
        f"repeats), {args.concurrency} concurrent keep-alive clients in a child process, "
        f"after {WARMUP} warm-up events"
    )


def main() -> None:
    webhook_bench(__doc__ or "", partial(stripe_headers, WEBHOOK_SECRET), banner, measure, report)


if __name__ == "__main__":
    main()
