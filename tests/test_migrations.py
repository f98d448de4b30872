"""The same migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, text
from sqlalchemy.engine import Connection, make_url

from bot import migrate
from bot.db import Base, create_engine, session_factory, utcnow
from bot.models import Product, SyncRun
from bot.search.engine import search
from bot.search.filters import Filters
from bot.search.tokens import price_token
from bot.sync.sources import source_name


def _diff(conn: Connection) -> list[object]:
    from bot.migrations.env_filter import include_object

    opts = {"compare_type": True, "include_object": include_object}
    ctx = MigrationContext.configure(conn, opts=opts)
    return list(compare_metadata(ctx, Base.metadata))


async def test_schema_matches_models_and_migrations_are_current(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
    assert await migrate.pending(engine) == []
    await engine.dispose()


async def test_downgrade_to_base_and_up_again(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate.downgrade(engine, "base")
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert tables <= {"alembic_version"}
        assert await migrate.pending(engine) != []
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"users", "products", "skus", "offers", "price_changes"} <= tables
    finally:
        await engine.dispose()


async def test_sqlite_connections_use_wal_foreign_keys_and_a_memory_map(tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await conn.execute(text("PRAGMA mmap_size"))).scalar() >= 2**28
    await engine.dispose()


async def test_price_bands_are_indexed_for_products_stored_before_them(database_url: str) -> None:
    """Migration 0012 appends each priced product's band token to its terms (the FTS5 table and
    the postings follow through their triggers), and its downgrade takes it off again."""
    engine = create_engine(database_url)
    old = "手机 机壳 手机壳"
    try:
        await migrate.downgrade(engine, "0011")
        row = {"marketplace": "demo", "title": "手机壳", "search_terms": old}
        async with engine.begin() as conn:  # the products table is the same at 0011
            await conn.execute(
                insert(Product),
                [row | {"id": 1, "external_id": "a", "price_minor": 30000},
                 row | {"id": 2, "external_id": "b", "price_minor": None}],
            )  # fmt: skip
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            terms = dict((await conn.execute(text("SELECT id, search_terms FROM products"))).all())
        assert terms == {1: f"{old} {price_token(30000)}", 2: old}
        async with session_factory(engine)() as s:
            wanted = Filters(min_price_minor=20000, max_price_minor=99999)
            assert [h.id for h in (await search(s, "手机壳", filters=wanted)).hits] == [1]
        await migrate.downgrade(engine, "0011")
        async with engine.connect() as conn:
            terms = dict((await conn.execute(text("SELECT id, search_terms FROM products"))).all())
        assert terms == {1: old, 2: old}
    finally:
        await migrate.upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM products"))
        await engine.dispose()


async def test_feed_sources_lose_their_credentials(database_url: str) -> None:
    """Migration 0013 rewrites feed sources stored with credentials as source_name names them
    today, and leaves every other source alone."""
    engine = create_engine(database_url)
    secret = "feed:https://ann:pw@shop.example/feed.xml?token=s3cret"
    plain = "feed:https://shop.example/plain.xml"
    try:
        await migrate.downgrade(engine, "0012")
        row = {"marketplace": "feed", "title": "x", "search_terms": ""}
        async with engine.begin() as conn:
            await conn.execute(
                insert(Product),
                [row | {"id": 1, "external_id": "a", "source": secret},
                 row | {"id": 2, "external_id": "b", "source": plain}],
            )  # fmt: skip
            await conn.execute(insert(SyncRun), [{"source": secret, "started_at": utcnow()}])
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            sources = dict((await conn.execute(text("SELECT id, source FROM products"))).all())
            runs = (await conn.execute(text("SELECT source FROM sync_runs"))).scalars().all()
        assert sources == {1: source_name(secret), 2: plain}
        assert runs == [source_name(secret)]
        assert "s3cret" not in sources[1] and "pw" not in sources[1]
    finally:
        await migrate.upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM products"))
            await conn.execute(text("DELETE FROM sync_runs"))
        await engine.dispose()


async def test_processes_starting_together_migrate_one_after_the_other(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Two engines (as two processes would) upgrade a fresh database at the same moment: one
    waits for the other instead of failing on "table already exists"."""
    if database_url.startswith("postgresql"):
        name = f"shopbot_race_{uuid.uuid4().hex[:8]}"
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        fresh = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    else:
        admin = None
        fresh = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('race') / 'fresh.db'}"
    engines = [create_engine(fresh), create_engine(fresh)]
    try:
        await asyncio.gather(*(migrate.upgrade(e) for e in engines))
        assert await migrate.pending(engines[0]) == []
    finally:
        for engine in engines:
            await engine.dispose()
        if admin is not None:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()
