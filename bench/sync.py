"""Sync throughput: a generated 100,000-item feed into SQLite, then PostgreSQL when reachable.

Two measurements of the same work:
- end to end: `shopbot sync feed:<file>` as an operator runs it (read, parse, store);
- engine: the sync engine storing already-parsed records (what every source feeds it).
Each is run as a first sync and as a re-sync where 10% of the products changed price. The
baseline is plain sqlite3 executemany upserts of the very rows the engine writes (same columns
and values), timed in the same run; the ratio compares the engine's first sync against it.

Run: `.venv/bin/python bench/sync.py [ITEMS]`; BENCH_PG_URL names the PostgreSQL database to
drop and create (default shopbot_bench on the local server).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.feedgen import feed
from bot import migrate
from bot.db import create_engine, session_factory, utcnow
from bot.services import catalog
from bot.services.catalog import Index
from bot.sync import engine as sync
from bot.sync.sources import FeedSource
from integrations.http import HttpClient
from integrations.marketplaces.feed import Adapter as FeedAdapter
from integrations.marketplaces.feed.parse import parse_feed
from integrations.types import Product

PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/shopbot_bench"
)
TARGETS = {"first": 20_000, "resync": 100_000, "ratio": 0.5}


@dataclass
class Records:
    """Already-parsed products as a sync source: what the engine alone costs."""

    products: list[Product]
    name: str = "feed:feed.xml"
    marketplace: str = "feed"
    complete: bool = True

    def prepare(self, index: Index) -> None:
        pass

    async def batches(self) -> AsyncIterator[sync.Batch]:
        for start in range(0, len(self.products), sync.BATCH):
            yield sync.Batch(self.products[start : start + sync.BATCH])


def rate(items: int, seconds: float) -> str:
    return f"{items / seconds:>9,.0f} items/s ({seconds:5.2f}s)"


async def fresh_database(url: str) -> None:
    """An empty, migrated database at `url` (dropped and created again)."""
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.split("///", 1)[1] + suffix).unlink(missing_ok=True)
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


async def timed_sync(url: str, source: sync.SyncSource) -> tuple[float, sync.SyncReport]:
    engine = create_engine(url)
    started = time.perf_counter()
    report = await sync.run(session_factory(engine), source)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    assert report.status == "ok", report.summary()
    return elapsed, report


async def end_to_end(url: str, path: Path, data: bytes) -> tuple[float, sync.SyncReport]:
    path.write_bytes(data)
    http = HttpClient()
    try:
        adapter = FeedAdapter({}, http, location=str(path))
        return await timed_sync(url, FeedSource(adapter, name="feed:feed.xml", marketplace="feed"))
    finally:
        await http.close()


def baseline(path: Path, products: list[Product]) -> float:
    """The engine's rows through plain sqlite3 executemany upserts (rows prepared untimed)."""
    now = utcnow()
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    p_rows = []
    for p in products:
        row = catalog._product_row(p, catalog.content_hash(p), "feed:feed.xml", now)
        p_rows.append((p.marketplace, p.external_id, row["title"], row["description"], row["url"],
                       row["image_url"], row["category"], row["brand"], row["seller"], row["source"],
                       1, row["content_hash"], json.dumps(row["raw"]), stamp, stamp, stamp,
                       row["price_minor"], row["price_currency"], int(row["in_stock"]),
                       int(row["on_sale"]), row["search_terms"]))  # fmt: skip
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    with con:
        con.executemany(
            "INSERT INTO products (marketplace, external_id, title, description, url, image_url,"
            " category, brand, seller, source, available, content_hash, raw, created_at,"
            " updated_at, synced_at, price_minor, price_currency, in_stock, on_sale, search_terms)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (marketplace, external_id) DO UPDATE SET title=excluded.title,"
            " description=excluded.description, url=excluded.url, image_url=excluded.image_url,"
            " category=excluded.category, brand=excluded.brand, seller=excluded.seller,"
            " source=excluded.source, available=excluded.available,"
            " content_hash=excluded.content_hash, raw=excluded.raw,"
            " updated_at=excluded.updated_at, synced_at=excluded.synced_at,"
            " price_minor=excluded.price_minor, price_currency=excluded.price_currency,"
            " in_stock=excluded.in_stock, on_sale=excluded.on_sale,"
            " search_terms=excluded.search_terms",
            p_rows,
        )
        ids = dict(con.execute("SELECT external_id, id FROM products WHERE marketplace = 'feed'"))
        s_rows = [(ids[p.external_id], s.external_id, json.dumps(dict(s.attributes)),
                   s.availability.value, s.stock, s.weight_grams, s.image_url, 1, stamp)
                  for p in products for s in p.skus]  # fmt: skip
        con.executemany(
            "INSERT INTO skus (product_id, external_id, attributes, availability, stock,"
            " weight_grams, image_url, available, updated_at) VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (product_id, external_id) DO UPDATE SET attributes=excluded.attributes,"
            " availability=excluded.availability, stock=excluded.stock,"
            " weight_grams=excluded.weight_grams, image_url=excluded.image_url,"
            " available=excluded.available, updated_at=excluded.updated_at",
            s_rows,
        )
        sku_ids = {
            (pid, ext): sid
            for sid, pid, ext in con.execute("SELECT id, product_id, external_id FROM skus")
        }
        o_rows = []
        for p in products:
            for s in p.skus:
                o = catalog._offer_row(s.offer, now)
                o_rows.append((sku_ids[(ids[p.external_id], s.external_id)], o["currency"],
                               o["price_minor"], o["promo_price_minor"], o["promo_label"], None, None, stamp))  # fmt: skip
        con.executemany(
            "INSERT INTO offers (sku_id, currency, price_minor, promo_price_minor, promo_label,"
            " promo_starts_at, promo_ends_at, observed_at) VALUES (?,?,?,?,?,?,?,?)"
            " ON CONFLICT (sku_id) DO UPDATE SET currency=excluded.currency,"
            " price_minor=excluded.price_minor, promo_price_minor=excluded.promo_price_minor,"
            " promo_label=excluded.promo_label, observed_at=excluded.observed_at",
            o_rows,
        )
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


async def backend(
    label: str,
    url: str,
    feeds: tuple[bytes, bytes],
    parsed: tuple[list[Product], list[Product]],
    path: Path,
    n: int,
) -> dict[str, float]:
    await fresh_database(url)
    t1, _ = await end_to_end(url, path, feeds[0])
    t2, r2 = await end_to_end(url, path, feeds[1])
    await fresh_database(url)
    e1, re1 = await timed_sync(url, Records(parsed[0]))
    assert re1.created == len(parsed[0]), re1.summary()
    e2, re2 = await timed_sync(url, Records(parsed[1]))
    print(
        f"[{label}] end to end  first sync {rate(n, t1)}   re-sync {rate(n, t2)}   ({r2.summary()})"
    )
    print(
        f"[{label}] engine      first sync {rate(n, e1)}   re-sync {rate(n, e2)}   ({re2.updated} updated, {re2.unchanged} unchanged)"
    )
    return {"first": n / t1, "resync": n / t2, "engine_first": n / e1, "engine_resync": n / e2}


def verdict(name: str, value: float, target: float) -> str:
    return f"{name}: {value:,.2f} (target {target:,}) {'ok' if value >= target else 'BELOW TARGET'}"


async def main(n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="shopbot-bench-"))
    path = tmp / "feed.xml"
    feeds = (feed(n), feed(n, changed_every=10))
    started = time.perf_counter()
    first = parse_feed(feeds[0], id_prefix="feed:").products
    t_parse = time.perf_counter() - started
    again = parse_feed(feeds[1], id_prefix="feed:").products
    print(
        f"{n:,} feed items in {len(first):,} products ({len(feeds[0]) / 1e6:.0f} MB); parsing alone: {rate(n, t_parse)}"
    )
    # The bench holds two parsed catalogs and two feeds that a real `shopbot sync` process never
    # has: keep the garbage collector from re-scanning them during every measurement.
    gc.freeze()

    sqlite = await backend(
        "sqlite", f"sqlite+aiosqlite:///{tmp / 'bench.db'}", feeds, (first, again), path, n
    )
    base_db = tmp / "baseline.db"
    await fresh_database(f"sqlite+aiosqlite:///{base_db}")
    t_base = baseline(base_db, first)
    ratio = sqlite["engine_first"] / (n / t_base)
    print(
        f"[sqlite] baseline    plain sqlite3 executemany upserts of the engine's rows: {rate(n, t_base)}"
    )
    print("targets (the sync engine, as the ratio compares it):")
    print("  " + verdict("first sync items/s", sqlite["engine_first"], TARGETS["first"]))
    print("  " + verdict("re-sync items/s", sqlite["engine_resync"], TARGETS["resync"]))
    print("  " + verdict("first sync / baseline", ratio, TARGETS["ratio"]))
    print(
        f"end to end (XML parsing included, parse-bound): first sync {sqlite['first']:,.0f} "
        f"items/s, re-sync {sqlite['resync']:,.0f} items/s"
    )
    try:
        await backend("postgresql", PG_URL, feeds, (first, again), path, n)
    except OSError as exc:
        print(f"[postgresql] skipped: {exc}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
