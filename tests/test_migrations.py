"""The same migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot import migrate
from bot.db import Base, create_engine


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
