"""Sync throughput: a generated 100,000-item feed into SQLite (and PostgreSQL when reachable).

Prints items/s for a first sync and for a re-sync where 90% of the products are unchanged, the
parse and store phases separately, and the ratio against a plain sqlite3 executemany upsert of
the same rows measured in the same run. Run: `.venv/bin/python bench/sync.py [N]`.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.feedgen import feed
from bot import migrate
from bot.db import create_engine, session_factory
from bot.services import catalog, sync
from bot.services.sources import FeedSource
from integrations.http import HttpClient
from integrations.marketplaces.feed import Adapter as FeedAdapter
from integrations.marketplaces.feed.parse import parse_feed

PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/shopbot_bench"
)


def rate(items: int, seconds: float) -> str:
    return f"{items / seconds:>10,.0f} items/s ({seconds:.2f}s)"


async def run_sync(url: str, path: Path) -> tuple[float, sync.SyncReport]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    http = HttpClient()
    adapter = FeedAdapter({}, http, location=str(path))
    started = time.perf_counter()
    report = await sync.run(
        sessions, FeedSource(adapter, name=f"feed:{path.name}", marketplace="feed")
    )
    elapsed = time.perf_counter() - started
    await http.close()
    await engine.dispose()
    assert report.status == "ok", report.summary()
    return elapsed, report


async def store_only(url: str, products: list) -> float:
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as s:
        index = await catalog.load_index(s, "feed")
    started = time.perf_counter()
    for i in range(0, len(products), sync.BATCH):
        async with sessions.begin() as s:
            _, pending = await catalog.store(s, products[i : i + sync.BATCH], index, source="x")
        index.apply(pending)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


async def fresh_database(url: str) -> None:
    """An empty, migrated database at `url` (PostgreSQL: dropped and created again)."""
    if url.startswith("postgresql"):
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        admin = create_engine(
            make_url(url).set(database="postgres").render_as_string(False),
            isolation_level="AUTOCOMMIT",
        )
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()
    engine = create_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()


def sqlite_baseline(path: Path, products: list) -> float:
    """The same rows through plain sqlite3 executemany upserts, same schema, no ORM."""
    rows_p = [(p.marketplace, p.external_id, p.title, p.description, p.url, p.image_url,
               p.category, p.brand, p.seller, "x", 1, "", "{}", "t", "t", "t") for p in products]  # fmt: skip
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    with con:
        con.executemany(
            "INSERT INTO products (marketplace, external_id, title, description, url, image_url,"
            " category, brand, seller, source, available, content_hash, raw, created_at,"
            " updated_at, synced_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (marketplace, external_id) DO UPDATE SET title=excluded.title,"
            " description=excluded.description, updated_at=excluded.updated_at",
            rows_p,
        )
        ids = dict(con.execute("SELECT external_id, id FROM products"))
        rows_s = [(ids[p.external_id], s.external_id, "{}", s.availability.value, s.stock,
                   s.weight_grams, s.image_url, 1, "t") for p in products for s in p.skus]  # fmt: skip
        con.executemany(
            "INSERT INTO skus (product_id, external_id, attributes, availability, stock,"
            " weight_grams, image_url, available, updated_at) VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (product_id, external_id) DO UPDATE SET stock=excluded.stock",
            rows_s,
        )
        sku_ids = {
            (pid, ext): sid
            for sid, pid, ext in con.execute("SELECT id, product_id, external_id FROM skus")
        }
        rows_o = [(sku_ids[(ids[p.external_id], s.external_id)], s.offer.currency,
                   int(s.offer.price * 100), None, "", None, None, "t")
                  for p in products for s in p.skus]  # fmt: skip
        con.executemany(
            "INSERT INTO offers (sku_id, currency, price_minor, promo_price_minor, promo_label,"
            " promo_starts_at, promo_ends_at, observed_at) VALUES (?,?,?,?,?,?,?,?)"
            " ON CONFLICT (sku_id) DO UPDATE SET price_minor=excluded.price_minor",
            rows_o,
        )
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


async def bench(
    label: str, url: str, feeds: tuple[bytes, bytes], path: Path, items: int, parsed: list
) -> float:
    await fresh_database(url)
    path.write_bytes(feeds[0])
    t_first, r1 = await run_sync(url, path)
    path.write_bytes(feeds[1])  # the same feed a day later: 10% of the products changed price
    t_again, r2 = await run_sync(url, path)
    print(f"[{label}] first sync:   {rate(items, t_first)}  {r1.summary()}")
    print(f"[{label}] re-sync 90%:  {rate(items, t_again)}  {r2.summary()}")
    await fresh_database(url)
    t_store = await store_only(url, parsed)
    print(f"[{label}] store only:   {rate(items, t_store)}")
    return items / t_first


async def main(n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="shopbot-bench-"))
    path = tmp / "feed.xml"
    feeds = (feed(n), feed(n, changed_every=10))
    started = time.perf_counter()
    parsed = parse_feed(feeds[0], id_prefix="feed:").products
    t_parse = time.perf_counter() - started
    print(f"{n:,} items in {len(parsed):,} products; parse only: {rate(n, t_parse)}")

    db = tmp / "bench.db"
    first_rate = await bench("sqlite", f"sqlite+aiosqlite:///{db}", feeds, path, n, parsed)

    base_db = tmp / "baseline.db"
    await fresh_database(f"sqlite+aiosqlite:///{base_db}")
    t_base = sqlite_baseline(base_db, parsed)
    base_rate = n / t_base
    print(f"[sqlite] baseline executemany upsert (store only, no parse): {rate(n, t_base)}")
    print(f"ratio first sync / baseline: {first_rate / base_rate:.2f}")
    try:
        await bench("postgresql", PG_URL, feeds, path, n, parsed)
    except OSError as exc:
        print(f"[postgresql] skipped: {exc}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
