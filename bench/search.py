"""Search latency on catalogs of 10k, 100k and 1M products, on SQLite and PostgreSQL.

Each catalog (bench/catalog_gen.py: Chinese titles with skewed term frequencies, one or two SKUs,
CNY prices) is stored through the real sync engine (`sync.run` over a Records source) into a fresh
database: a temporary SQLite file, then the PostgreSQL database shopbot_bench_search (dropped and
created; skipped with a note when the server does not answer). PostgreSQL gets VACUUM ANALYZE
after the load, as autovacuum would give it shortly after a bulk sync.

Then `search()` is timed the way the handler calls it, one session per query
(`async with sessions() as s: await search(s, q, language=...)`), for six query classes: short
CJK, long CJK, Latin, English through the term dictionary, Russian, and queries that match
nothing; and a seventh, "browse": every category of the catalog's tree opened newest first (no
query), after the tree itself is counted (its p50 is printed). Two more run the same in each
of the price ranges the results' filter offers (under CN¥50, 50-200, 200-1,000, over 1,000):
"priced" the short Chinese and English queries, "browse priced" the categories. Each class runs its queries
round-robin for --queries timed calls after a warm-up.
Printed per size x backend x class: p50 / p95 in ms, mean hits and the share of capped results
(CANDIDATES matched); then, at the largest size, the ratio to the 10k latency and the targets
(at 1M: p95 <= 20 ms, p50 <= 5 ms, latency <= 3x the 10k latency). --profile adds a cProfile of
the slowest class at the largest size.

With --keep DIR the catalogs are kept (SQLite files in DIR, PostgreSQL databases named
shopbot_bench_search_<size>) and a later run with the same --keep reuses each one that holds the
catalog's number of products (brought to the current migration head), instead of building it again (10-15
minutes at 1M on PostgreSQL). Delete them to rebuild after changing how products are indexed.

Run: `.venv/bin/python bench/search.py [--sizes 10000,100000,1000000] [--queries 200]
[--backends sqlite,postgresql] [--profile] [--keep DIR]`; BENCH_PG_URL overrides the PostgreSQL
database.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.catalog_gen import MARKETPLACE, products
from bench.sync import Records, fresh_database
from bot import migrate
from bot.db import create_engine, session_factory
from bot.search import kernel
from bot.search.filters import Filters
from bot.services import categories
from bot.services.products import NO_FILTERS, search
from bot.sync import engine as sync
from handlers.search_view import PRICES, View
from integrations.types import Product

PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/shopbot_bench_search"
)
SIZES = (10_000, 100_000, 1_000_000)
TARGET_P50_MS, TARGET_P95_MS, TARGET_RATIO = 5.0, 20.0, 3.0


def _queries(language: str, queries: str) -> list[tuple[str, str]]:
    return [(q, language) for q in queries.split("|")]


# class -> (query, the shopper's language)
CLASSES: dict[str, list[tuple[str, str]]] = {
    "short CJK": _queries("zh", "壳|手机|卫衣|杯|耳机|女|包|鞋|口红|猫|裙|汉服|积木|面膜|男|充电"),
    "long CJK": _queries(
        "zh",
        "手机壳透明|蓝牙耳机降噪|保温杯大容量|加绒加厚卫衣女|运动鞋男透气|双肩包防水|马面裙织金|"
        "猫抓板瓦楞纸|法式碎花连衣裙|瑜伽垫加厚|真无线蓝牙耳机|羽绒服男短款|亚克力立牌|"
        "氮化镓充电器|斜挎包女小众|宠物牵引绳",
    ),
    "Latin": _queries(
        "en",
        "iphone|usb|type c|magsafe|pd|spf50|eva|tpe|oversize|jk|ins|mate60pro|gk|reno11|vivo|a5",
    ),
    "English": _queries(
        "en",
        "phone case|hoodie women|thermos|bluetooth headphones|lipstick|sneakers|backpack|dress|"
        "power bank|charger|cable|earphones|yoga mat|cat toy|luggage|sunscreen",
    ),
    "Russian": _queries(
        "ru",
        "чехол|толстовка|кроссовки|рюкзак|платье|наушники|куртка|зарядка|чехол iphone|помада|"
        "термос|кабель",
    ),
    "no-hit": [("zzqx", "en"), ("qwxzv", "en"), ("xkcdq", "en"), ("фывапр", "ru"), ("龘靐", "zh")],
}


# The price ranges the results' filter offers, as its views ask for them (the first is "any").
PRICE_RANGES = [View(price=index).filters() for index in range(1, len(PRICES))]


@dataclass
class Figures:
    p50: float
    p95: float
    db_p50: float  # time in the database calls: the candidate queries and their rows
    hits: float
    capped: float


def percentile(sorted_ms: list[float], p: float) -> float:
    return statistics.quantiles(sorted_ms, n=100, method="inclusive")[int(p) - 1]


class DbClock:
    """Adds up the time a session spends in execute (its query and fetching its rows), and in
    kernel.Sql.fetch: the candidate queries go to the driver that way."""

    current: DbClock | None = None

    def __init__(self, session: AsyncSession) -> None:
        self.execute = session.execute
        self.seconds = 0.0
        session.execute = self.timed(self.execute)  # type: ignore[method-assign]
        DbClock.current = self

    @staticmethod
    def timed(call: Any) -> Any:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await call(*args, **kwargs)
            finally:
                if DbClock.current is not None:
                    DbClock.current.seconds += time.perf_counter() - started

        return timed


kernel.Sql.fetch = DbClock.timed(kernel.Sql.fetch)  # type: ignore[method-assign]


async def run_class(
    sessions: async_sessionmaker[AsyncSession],
    cases: list[tuple[str, str]],
    n: int,
    browsed: list[str] | None = None,
    ranges: list[Filters] | None = None,
) -> Figures:
    """n calls of search() over `cases`, or browsing the categories `browsed` (no query); the
    time spent in database calls (session.execute and Sql.fetch: the candidate queries and
    their rows) is recorded apart; the rest is the session's own round trips and Python:
    parsing, building Hits, ranking."""
    times: list[float] = []
    db: list[float] = []
    hits = capped = 0
    calls = [(q, lang, NO_FILTERS) for q, lang in cases] + [
        ("", "en", Filters(category=path)) for path in browsed or []
    ]
    if ranges:  # every call in every price range
        calls = [(q, lang, replace(f, min_price_minor=r.min_price_minor,
                                   max_price_minor=r.max_price_minor))
                 for q, lang, f in calls for r in ranges]  # fmt: skip
    for i in range(n):
        query, language, filters = calls[i % len(calls)]
        started = time.perf_counter()
        async with sessions() as session:
            clock = DbClock(session)
            results = await search(session, query, language=language, filters=filters)
        times.append((time.perf_counter() - started) * 1000)
        db.append(clock.seconds * 1000)
        hits += len(results.hits)
        capped += results.capped
    times.sort()
    db.sort()
    return Figures(
        percentile(times, 50), percentile(times, 95), percentile(db, 50), hits / n, capped / n
    )


async def category_tree(sessions: async_sessionmaker[AsyncSession]) -> tuple[float, list[str]]:
    """p50 of counting the category tree (5 times), and the paths of its categories."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        async with sessions() as session:
            tree = await categories.tree(session)
        times.append((time.perf_counter() - started) * 1000)
    paths = [node.path for top in tree.top for node in (top, *top.children)]
    return statistics.median(times), paths


async def warm_up(sessions: async_sessionmaker[AsyncSession]) -> None:
    for cases in CLASSES.values():
        for query, language in cases * 2:
            async with sessions() as session:
                await search(session, query, language=language)


async def reusable(url: str, size: int) -> bool:
    """Whether the database at `url` already holds a catalog of `size` (migrated to the head)."""
    if url.startswith("sqlite") and not Path(url.split("///", 1)[1]).exists():
        return False
    engine = create_engine(url, statement_timeout=None)
    try:
        await migrate.upgrade(engine)  # later migrations than the catalog's, if any
        async with engine.connect() as conn:
            count = (await conn.execute(text("SELECT count(*) FROM products"))).scalar_one()
        return bool(count == size)
    except (OSError, DBAPIError):
        return False  # no such database yet
    finally:
        await engine.dispose()


async def build(url: str, catalog: list[Product]) -> float:
    await fresh_database(url)
    engine = create_engine(url, statement_timeout=None)  # a bulk load and VACUUM take long
    started = time.perf_counter()
    report = await sync.run(
        session_factory(engine), Records(catalog, name="bench:search", marketplace=MARKETPLACE)
    )
    elapsed = time.perf_counter() - started
    assert report.status == "ok" and report.created == len(catalog), report.summary()
    if url.startswith("postgresql"):
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    await engine.dispose()
    return elapsed


async def profile(
    sessions: async_sessionmaker[AsyncSession], cases: list[tuple[str, str]], n: int
) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    await run_class(sessions, cases, n)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(14)
    return "\n".join(line for line in out.getvalue().splitlines() if line.strip())


async def measure(
    label: str,
    url: str,
    catalog: list[Product],
    n: int,
    largest: bool,
    want_profile: bool,
    keep: bool,
) -> dict[str, Figures]:
    if keep and await reusable(url, len(catalog)):
        print(f"[{label} {len(catalog):>9,}] reusing the kept database")
    else:
        seconds = await build(url, catalog)
        print(
            f"[{label} {len(catalog):>9,}] built in {seconds:6.1f}s "
            f"({len(catalog) / seconds:,.0f} products/s through sync.run)"
        )
    engine = create_engine(url)
    sessions = session_factory(engine)
    await warm_up(sessions)
    tree_ms, browsed = await category_tree(sessions)
    print(
        f"[{label} {len(catalog):>9,}] category tree (every category's available products "
        f"counted) p50 {tree_ms:7.2f} ms; browsing its {len(browsed)} categories newest first:"
    )
    figures: dict[str, Figures] = {}
    for name, cases, ranges in [
        *((name, cases, None) for name, cases in CLASSES.items()),
        ("browse", [], None),
        ("priced", CLASSES["short CJK"] + CLASSES["English"], PRICE_RANGES),
        ("browse priced", [], PRICE_RANGES),
    ]:
        figures[name] = f = await run_class(
            sessions, cases, n, browsed if not cases else None, ranges
        )
        print(
            f"[{label} {len(catalog):>9,}] {name:13}  p50 {f.p50:7.2f} ms  p95 {f.p95:7.2f} ms"
            f"   (in database calls p50 {f.db_p50:6.2f} ms)   hits/query {f.hits:5.1f}"
            f"   capped {f.capped:4.0%}"
        )
    if largest and want_profile:
        slowest = max(CLASSES, key=lambda k: figures[k].p95)
        print(f"[{label} {len(catalog):>9,}] cProfile of {slowest} (the slowest class):")
        print(await profile(sessions, CLASSES[slowest], 4 * len(CLASSES[slowest])))
    await engine.dispose()
    if url.startswith("sqlite") and not keep:
        for suffix in ("", "-wal", "-shm"):
            Path(url.split("///", 1)[1] + suffix).unlink(missing_ok=True)
    return figures


def verdict(ok: bool) -> str:
    return "ok" if ok else "BELOW TARGET"


def report(label: str, results: dict[int, dict[str, Figures]]) -> None:
    top = max(results)
    base = results.get(10_000)
    note = "" if top == 1_000_000 else f" (targets are for 1M; checked at {top:,} for reference)"
    print(f"\n[{label}] targets at {top:,}{note}: p50 <= {TARGET_P50_MS:g} ms, "
          f"p95 <= {TARGET_P95_MS:g} ms, latency <= {TARGET_RATIO:g}x the 10k latency")  # fmt: skip
    for name, f in results[top].items():
        line = (
            f"  {name:13}  p50 {f.p50:7.2f} ms {verdict(f.p50 <= TARGET_P50_MS):12}"
            f"  p95 {f.p95:7.2f} ms {verdict(f.p95 <= TARGET_P95_MS):12}"
        )
        if base is not None and top != 10_000:
            r50, r95 = f.p50 / base[name].p50, f.p95 / base[name].p95
            ok = max(r50, r95) <= TARGET_RATIO
            line += f"  x10k: p50 {r50:5.2f}x p95 {r95:5.2f}x {verdict(ok)}"
        else:
            line += "  x10k: n/a" + ("" if top == 10_000 else " (10k not run)")
        print(line)


async def postgres_reachable(url: str) -> str:
    admin = create_engine(make_url(url).set(database="postgres").render_as_string(False))
    try:
        async with admin.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return ""
    except (OSError, DBAPIError) as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    finally:
        await admin.dispose()


async def main(
    sizes: list[int], n: int, backends: list[str], want_profile: bool, keep: Path | None
) -> None:
    started = time.perf_counter()
    catalog = list(products(max(sizes)))
    print(f"generated {len(catalog):,} products in {time.perf_counter() - started:.1f}s")
    gc.freeze()  # the catalog lives through the whole run: keep the collector off it
    tmp = keep or Path(tempfile.mkdtemp(prefix="shopbot-bench-search-"))
    tmp.mkdir(parents=True, exist_ok=True)
    if "postgresql" in backends and (problem := await postgres_reachable(PG_URL)):
        print(f"[postgresql] skipped: not reachable at {PG_URL} ({problem})")
        backends = [b for b in backends if b != "postgresql"]
    results: dict[str, dict[int, dict[str, Figures]]] = {b: {} for b in backends}
    for size in sorted(sizes):
        urls = {"sqlite": f"sqlite+aiosqlite:///{tmp / f'search-{size}.db'}", "postgresql": PG_URL}
        if keep:
            urls["postgresql"] = (
                make_url(PG_URL)
                .set(database=f"{make_url(PG_URL).database}_{size}")
                .render_as_string(False)
            )
        for backend in backends:
            results[backend][size] = await measure(
                backend,
                urls[backend],
                catalog[:size],
                n,
                size == max(sizes),
                want_profile,
                bool(keep),
            )
    for backend in backends:
        report(backend, results[backend])
    print(f"\ntotal {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--queries", type=int, default=200, help="timed queries per class")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--profile", action="store_true", help="cProfile the slowest class")
    parser.add_argument("--keep", type=Path, help="keep the catalogs in DIR and reuse them")
    args = parser.parse_args()
    asyncio.run(
        main(
            [int(s) for s in args.sizes.split(",")],
            max(args.queries, 20),
            args.backends.split(","),
            args.profile,
            args.keep,
        )
    )
