"""Apply Alembic migrations programmatically, on SQLite and PostgreSQL alike.

Processes that start together (replicas of a deployment, `make run` twice) take turns: on
PostgreSQL under an advisory lock held by the migrating transaction, on SQLite under a lock on a
file beside the database. The second finds the schema current and does nothing.
"""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_engine


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "bot:migrations")
    return cfg


async def upgrade_database(url: str) -> None:
    """Bring the database at `url` to the latest schema, on an engine of its own: one without
    the serving engine's statement timeouts, since a migration may rewrite a whole table."""
    engine = create_engine(url, statement_timeout=None)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` in one transaction."""
    await _run(engine, command.upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    await _run(engine, command.downgrade, revision)


MIGRATION_LOCK = 0x73686F70  # "shop": the advisory lock key on PostgreSQL


async def _run(engine: AsyncEngine, step: Callable[[Config, str], None], revision: str) -> None:
    cfg = alembic_config()

    def run(conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        step(cfg, revision)

    async with _file_lock(engine), engine.begin() as conn:
        await conn.run_sync(run)


@asynccontextmanager
async def _file_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """On an SQLite file: an exclusive lock on `<file>.migrate-lock` while the block runs."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a+b") as handle:  # noqa: ASYNC230 (opening is instant)
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def pending(engine: AsyncEngine) -> list[str]:
    """Revisions not yet applied, newest first (empty when the schema is current)."""
    script = ScriptDirectory.from_config(alembic_config())

    def unapplied(conn: Connection) -> list[str]:
        current = MigrationContext.configure(conn).get_current_heads()
        lower = current[0] if current else "base"
        revs = script.iterate_revisions("heads", lower)
        return [r.revision for r in revs if r is not None and r.revision not in current]

    async with engine.connect() as conn:
        return await conn.run_sync(unapplied)
