"""Engine, session factory and the declarative Base.

SQLite (the default) gets WAL, foreign keys and a memory-mapped file on every connection;
PostgreSQL goes through asyncpg.
The caller owns the transaction: services take an AsyncSession and never commit on their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    any_,
    bindparam,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import PoolResetState
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# JSON text on SQLite, JSONB on PostgreSQL.
Json = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


MMAP_BYTES = 2**31 - 2**16  # SQLite's default SQLITE_MAX_MMAP_SIZE


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    # Read the file through a memory map (writes still go through the journal): a search reads
    # rows scattered over a big file, and through the default page cache each was a read()
    # call. SQLite caps the size at its compile-time maximum.
    cur.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cur.close()


def _sqlite_reset(dbapi_connection: Any, record: Any, state: PoolResetState) -> None:
    """Roll a connection returned to the pool back only if it is in a transaction.

    Session.close() has nearly always rolled back already, and every aiosqlite call is a trip
    to the connection's thread and back: the pool's unconditional second rollback was a sixth of
    the cost of reading one row (SQLAlchemy's documented `reset` event with
    reset_on_return=None)."""
    if state.terminate_only or not state.asyncio_safe:
        return
    driver = record.driver_connection
    if driver is None or driver.in_transaction:
        dbapi_connection.rollback()


def _asyncpg_alive(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Hand out no pooled PostgreSQL connection that the server has closed (a restart, an
    idle-session timeout, a terminated backend): the pool drops it and takes another
    (SQLAlchemy's documented `checkout` event, raising DisconnectionError).

    asyncpg marks a connection closed as soon as the event loop reads the server's goodbye, so
    this costs no round trip. pool_pre_ping costs three per checkout on asyncpg (BEGIN, the ping,
    ROLLBACK), more than a whole search walk."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


STATEMENT_SECONDS = 10.0  # the longest a serving statement may run on PostgreSQL
CONNECT_SECONDS = 5.0  # to open a connection, or to wait for a free one in the pool


def create_engine(
    url: str, *, statement_timeout: float | None = STATEMENT_SECONDS, **kwargs: Any
) -> AsyncEngine:
    """An async engine for `url`; SQLite connections get WAL, foreign keys and a busy timeout,
    PostgreSQL's pool drops connections the server closed (see _asyncpg_alive).

    On PostgreSQL nothing waits without end: a statement runs at most `statement_timeout`
    seconds (None: no limit, for migrations), the server checked by the client a little after,
    and a connection is opened or taken from the pool within CONNECT_SECONDS. A frozen or
    unreachable server thus fails an update quickly, and the update comes again later
    (bot/process/handled.py), instead of holding shoppers for half a minute."""
    # Parameters are people's data and secrets: never in a log line or an error message.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("pool_reset_on_return", None)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "reset", _sqlite_reset)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("pool_timeout", CONNECT_SECONDS)
    # A plan for the values at hand, every time: after five runs of a prepared statement
    # PostgreSQL may keep a generic plan, which cannot know that one category holds far more
    # products than another or that a price range leaves none of one (bench/README.md).
    # No JIT: it compiles any plan whose estimated cost passes jit_above_cost, as a misjudged
    # one does, and the compiling alone took longer than the statements it was for.
    connect_args = dict(kwargs.get("connect_args", {}))
    limits: dict[str, str] = {}
    if statement_timeout is not None:
        limits["statement_timeout"] = str(int(statement_timeout * 1000))
        connect_args.setdefault("command_timeout", statement_timeout + CONNECT_SECONDS)
    connect_args.setdefault("timeout", CONNECT_SECONDS)
    connect_args["server_settings"] = {
        "plan_cache_mode": "force_custom_plan",
        "jit": "off",
        **limits,
        **connect_args.get("server_settings", {}),
    }
    kwargs["connect_args"] = connect_args
    engine = create_async_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine.sync_engine, "checkout", _asyncpg_alive)
    return engine


class Sessions(async_sessionmaker[AsyncSession]):
    """The session factory; on SQLite, writing transactions (`begin()`) take turns in the process.

    SQLite has one writer at a time. Left to its busy handler, concurrent writers poll with
    growing sleeps and an unlucky one can wait past busy_timeout ("database is locked", seen
    with 64 concurrent first contacts); waiting here instead is first come, first served and
    holds no database lock. Reads (`sessions()`) never wait: WAL readers don't block.
    """

    def __init__(self, engine: AsyncEngine, info: dict[str, Any] | None = None) -> None:
        super().__init__(engine, expire_on_commit=False, info=info or {})
        self._turn = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    def begin(self) -> AbstractAsyncContextManager[AsyncSession]:  # type: ignore[override]
        if self._turn is None:
            return super().begin()
        return self._in_turn()

    @asynccontextmanager
    async def _in_turn(self) -> AsyncIterator[AsyncSession]:
        assert self._turn is not None
        async with self._turn, super().begin() as session:
            yield session


def session_factory(engine: AsyncEngine, info: dict[str, Any] | None = None) -> Sessions:
    """Sessions on `engine`; `info` is copied into every session's `info`."""
    return Sessions(engine, info)


async def ping(engine: AsyncEngine) -> None:
    """Raise if the database does not answer a trivial query."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


def one_of(session: AsyncSession, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values` for a batch. On PostgreSQL `column = ANY(:values)`: one array
    parameter whatever the count, so the statement is compiled and prepared once for every
    batch size; elsewhere an expanding IN."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        array = bindparam(None, list(values), ARRAY(column.type))
        return cast("ColumnElement[bool]", column == any_(array))
    return cast("ColumnElement[bool]", column.in_(list(values)))


def dialect_insert(session: AsyncSession) -> Any:
    """The INSERT construct of the session's dialect (for ON CONFLICT), SQLite or PostgreSQL."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


WRITTEN = "written"  # session.info key: {table name: keys of the rows this transaction writes}


def note_written(session: Any, table: str, key: Any) -> None:
    """Record that this transaction writes row `key` of `table`, for whatever keeps copies of
    such rows in memory (bot/process/user_cache.py forgets them once the transaction commits)."""
    session.info.setdefault(WRITTEN, {}).setdefault(table, set()).add(key)


async def insert_ignore(session: AsyncSession, table: Any, values: dict[str, Any]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL (a concurrent twin is fine)."""
    await session.execute(dialect_insert(session)(table).values(**values).on_conflict_do_nothing())


async def inserted(session: AsyncSession, table: Any, values: dict[str, Any]) -> bool:
    """Insert the row unless a unique key already has it; True when this call inserted it."""
    done = await session.execute(
        dialect_insert(session)(table)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)
    )
    return done.first() is not None
