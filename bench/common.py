"""What the webhook benches share (bench/payments.py, bench/couriers.py): a fresh database of
its own per run, the app served on loopback, a client in a child process delivering signed
bodies over keep-alive connections (an answer non-2xx delivered again), repeats scheduled among
the events, and the printed line of one run. Not a bench itself: the scripts import it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import multiprocessing
import os
import random
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot import crypto
from bot.db import create_engine, ping
from bot.process.deps import Deps

PG_SERVER = os.environ.get(
    "BENCH_PG_SERVER", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
ATTEMPTS = 5  # deliveries of one event answered non-2xx before the client gives up

# The headers of one delivery of a body (its signature among them), called in the client's
# process for each delivery: a module-level function, or a functools.partial of one, so it
# pickles.
Headers = Callable[[bytes], dict[str, str]]


def schedule(n: int, share: float, gap: int, rng: random.Random) -> list[int]:
    """Event indexes in sending order: 0..n-1, and round(n * share) repeats, each of an event
    sent at least `gap` positions before it (so it has usually been answered already)."""
    gap = min(gap, n // 2)
    after: list[list[int]] = [[] for _ in range(n)]
    for _ in range(round(n * share)):
        source = rng.randrange(n - gap)
        after[rng.randrange(source + gap, n)].append(source)
    order: list[int] = []
    for i in range(n):
        order.append(i)
        order.extend(after[i])
    return order


# --- the client (a child process) ------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    latencies: list[float]  # seconds, per request
    statuses: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    cpu: float = 0.0  # seconds of the server process's CPU (all its threads) during the run

    @property
    def answered(self) -> int:
        """Deliveries answered 2xx (the others were delivered again, up to ATTEMPTS times)."""
        return sum(n for status, n in self.statuses.items() if status.startswith("2"))

    @property
    def rate(self) -> float:
        return self.answered / self.seconds

    def ms(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


Answers = tuple[float, list[float], dict[str, int], dict[str, int]]


def deliver(url: str, bodies: list[bytes], headers: Headers, concurrency: int) -> Answers:
    """Child process: POST every body with `headers(body)` (called for each delivery, a
    redelivery too, as a provider signs each), `concurrency` at a time; the seconds it took,
    each request's latency, the statuses and the outcomes answered (plain values: a class of
    the bench's own module pickles under another module name in the child)."""
    return asyncio.run(_deliver(url, bodies, headers, concurrency))


async def _deliver(url: str, bodies: list[bytes], headers: Headers, concurrency: int) -> Answers:
    latencies: list[float] = []  # one per attempt
    statuses: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    attempts = [0] * len(bodies)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(bodies)):
        queue.put_nowait(i)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def client() -> None:
            while True:
                i = await queue.get()
                body, attempts[i] = bodies[i], attempts[i] + 1
                sent_with = headers(body)
                started = time.perf_counter()
                try:
                    async with http.post(url, data=body, headers=sent_with) as response:
                        answer = await response.read()
                        status = str(response.status)
                except aiohttp.ClientError as exc:
                    answer, status = b"", type(exc).__name__
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
                if status == "200" and answer.startswith(b"{"):
                    outcomes[str(json.loads(answer).get("outcome", "received"))] += 1
                elif not status.startswith("2") and attempts[i] < ATTEMPTS:
                    queue.put_nowait(i)  # the provider delivers it again (later; here: at the end)
                queue.task_done()

        started = time.perf_counter()
        clients = [asyncio.create_task(client()) for _ in range(concurrency)]
        await queue.join()
        seconds = time.perf_counter() - started
        for task in clients:
            task.cancel()
        await asyncio.gather(*clients, return_exceptions=True)
    return seconds, latencies, dict(statuses), dict(outcomes)


Deliver = Callable[[str, list[bytes]], Awaitable[Run]]


def delivery(pool: ProcessPoolExecutor, concurrency: int, headers: Headers) -> Deliver:
    """Delivering bodies from the pool's child process; the server's CPU taken meanwhile."""

    async def run(url: str, bodies: list[bytes]) -> Run:
        loop = asyncio.get_running_loop()
        cpu = time.process_time()
        seconds, latencies, statuses, outcomes = await loop.run_in_executor(
            pool, deliver, url, bodies, headers, concurrency
        )
        cpu = time.process_time() - cpu
        return Run(seconds, latencies, Counter(statuses), Counter(outcomes), cpu)

    return run


# --- serving ---------------------------------------------------------------------------------


@asynccontextmanager
async def served(app: web.Application) -> AsyncIterator[str]:
    """`app` on a free loopback port, as `shopbot run` serves it (no access log); its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


# --- the database ----------------------------------------------------------------------------


@asynccontextmanager
async def database(kind: str, name: str) -> AsyncIterator[str]:
    """A fresh, empty database URL of `kind` ("sqlite": the file `name`.db in a temporary
    folder; "postgresql": shopbot_bench_<random> on PG_SERVER), removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"shopbot-bench-{name}-") as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / f'{name}.db'}"
        return
    server = make_url(PG_SERVER)
    database = f"shopbot_bench_{secrets.token_hex(6)}"
    admin = create_engine(server.render_as_string(False), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{database}"'))
        try:
            yield server.set(database=database).render_as_string(False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def analyzed(deps: Deps) -> None:
    """Statistics for the tables just filled, as autovacuum keeps them on a live server (else
    it analyzes them during the timed run, and plans change under the bench's feet)."""
    if deps.engine.dialect.name == "postgresql":
        async with deps.sessions.begin() as s:
            await s.execute(text("ANALYZE"))


async def unreachable(url: str) -> str:
    """Why the PostgreSQL server at `url` does not answer ("" when it does)."""
    engine = create_engine(url)
    try:
        await ping(engine)
        return ""
    except (OSError, DBAPIError) as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    finally:
        await engine.dispose()


# --- the report ------------------------------------------------------------------------------


def line(name: str, r: Run) -> str:
    return (
        f"  {name:<12}: {r.rate:7.0f} events/s  p50 {r.ms(0.5):6.1f} ms  p95 {r.ms(0.95):6.1f} ms"
        f"  p99 {r.ms(0.99):6.1f} ms  server CPU {1000 * r.cpu / r.answered:.2f} ms/event"
        f" ({r.cpu / r.seconds:.0%} of a core)  statuses {dict(r.statuses)}"
    )


class OneLine(logging.Formatter):
    """An exception logged under load as one line, not a traceback per event."""

    def formatException(self, ei: Any) -> str:
        return f"  {ei[0].__name__}: {str(ei[1]).splitlines()[0] if str(ei[1]) else ''}"


def log_warnings() -> None:
    """Warnings and errors only, an exception as one line."""
    handler = logging.StreamHandler()
    handler.setFormatter(OneLine("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


# --- running a webhook bench -----------------------------------------------------------------

Measure = Callable[[str, int, float, int, Deliver, Any], Awaitable[Any]]


def webhook_bench(
    doc: str,
    headers: Headers,
    banner: Callable[[argparse.Namespace], str],
    measure: Measure,
    report: Callable[[Any, int], None],
) -> None:
    """A webhook bench's command line and run: the events signed by `headers`, delivered from
    a child process to shopbot and to the bare handler on each database asked for
    (`measure`), each database's figures printed by `report`."""
    parser = argparse.ArgumentParser(description=doc.split("\n", 1)[0])
    parser.add_argument("-n", "--events", type=int, default=3000, help="distinct events")
    parser.add_argument("-c", "--concurrency", type=int, default=32)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeats", type=float, default=0.1, help="share of repeated events")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the server's process")
    args = parser.parse_args()
    if args.events < 2 or args.concurrency < 1 or not 0 <= args.repeats <= 1:
        parser.error("-n >= 2, -c >= 1 and 0 <= --repeats <= 1")
    log_warnings()
    asyncio.run(_run(args, headers, banner, measure, report))


async def _run(
    args: argparse.Namespace,
    headers: Headers,
    banner: Callable[[argparse.Namespace], str],
    measure: Measure,
    report: Callable[[Any, int], None],
) -> None:
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    crypto.use(crypto.Keyring.parse(crypto.generate_key()))  # no key file written
    profile = cProfile.Profile()
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        send = delivery(pool, args.concurrency, headers)
        print(banner(args) + f"; {os.cpu_count()} cores")
        for kind in kinds:
            why = await unreachable(PG_SERVER) if kind == "postgresql" else ""
            if why:  # `make bench` on a machine without PostgreSQL: say so, go on
                print(f"postgresql: skipped, the server does not answer ({why})")
                continue
            figures = await measure(
                kind, args.events, args.repeats, args.concurrency, send, profile
            )
            report(figures, args.events)
    if args.profile:
        profile.dump_stats(args.profile)
        print(f"profile of the shopbot runs: {args.profile}")
