"""Apply Alembic migrations programmatically, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "bot:migrations")
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` in one transaction."""
    await _run(engine, command.upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    await _run(engine, command.downgrade, revision)


async def _run(engine: AsyncEngine, step: Callable[[Config, str], None], revision: str) -> None:
    cfg = alembic_config()

    def run(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        step(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


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
