"""Bulk INSERT through the database driver's own executemany.

SQLAlchemy's per-row parameter processing costs several times what SQLite spends storing the
row; for the catalog's large inserts the values are converted once per column here and handed
to the driver (aiosqlite or asyncpg) directly, inside the session's transaction. Any other
backend goes through Core.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, ColumnElement, Table, bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import UtcDateTime

Convert = Callable[[Any], Any]
LOOKUP_CHUNK = 500


@lru_cache(maxsize=64)  # a batch stamps every row with the same moment
def _sqlite_datetime(value: datetime | None) -> str | None:
    # The storage format of SQLAlchemy's SQLite DATETIME, in UTC like UtcDateTime binds it.
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _identity(value: Any) -> Any:
    return value


def _sqlite_converter(column_type: Any) -> Convert:
    if isinstance(column_type, UtcDateTime):
        return _sqlite_datetime
    if isinstance(column_type, JSON):
        return _json_text
    if isinstance(column_type, Boolean):
        return _sqlite_bool
    return _identity


def _postgresql_converter(column_type: Any) -> Convert:
    # asyncpg takes datetimes and booleans as they are; SQLAlchemy's json/jsonb codecs want text.
    return _json_text if isinstance(column_type, JSON) else _identity


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys) into `table` in the session's transaction."""
    if rows:
        await insert_returning_ids(session, table, rows, ())


async def insert_returning_ids(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: tuple[str, ...],
    where: tuple[ColumnElement[bool], ...] = (),
) -> dict[Any, int]:
    """INSERT `rows` and map each row's `keys` values (the value itself for one key, else a
    tuple) to the id the database gave it. `where` narrows the id lookup where one is needed
    (the keys must then be unique within it)."""
    if not rows:
        return {}
    connection = await session.connection()
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        await session.execute(insert(table), list(rows))
        return await _lookup(session, table, rows, keys, where)
    names = list(rows[0])
    values = _converted(table, rows, names, dialect)
    columns = ", ".join(f'"{name}"' for name in names)  # names checked against table.c above
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    if dialect == "sqlite":
        marks = ", ".join("?" * len(names))
        sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})'  # noqa: S608
        await raw.executemany(sql, values)
        return await _lookup(session, table, rows, keys, where)
    # PostgreSQL: one statement per batch, rows passed as one array per column (unnest), ids
    # coming back by RETURNING. SQLAlchemy's asyncpg adapter opens its transaction at the
    # first statement it runs: make sure that happened, so these rows belong to it.
    await session.execute(text("SELECT 1"))
    casts = ", ".join(
        f"${i}::{table.c[name].type.compile(dialect=connection.dialect)}[]"
        for i, name in enumerate(names, start=1)
    )
    returning = ", ".join(f'"{k}"' for k in (*keys, "id")) if keys else "NULL"
    sql = (
        f'INSERT INTO "{table.name}" ({columns}) SELECT * FROM unnest({casts}) '  # noqa: S608
        f"RETURNING {returning}"
    )
    found = await raw.fetch(sql, *(list(column) for column in zip(*values, strict=True)))
    return {_key(row, len(keys)): row[-1] for row in found} if keys else {}


async def update_rows(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], key: str
) -> None:
    """UPDATE each row of `table` whose `key` column equals the row's `key` value, setting the
    row's other columns (all rows have the same columns)."""
    if not rows:
        return
    connection = await session.connection()
    dialect = connection.dialect.name
    names = [name for name in rows[0] if name != key]
    if dialect not in ("sqlite", "postgresql"):
        stmt = update(table).where(table.c[key] == bindparam(f"b_{key}"))
        params = [{f"b_{key}" if k == key else k: v for k, v in row.items()} for row in rows]
        await session.execute(stmt, params)
        return
    values = _converted(table, rows, [*names, key], dialect)
    if dialect == "sqlite":
        marks = [f'"{name}" = ?' for name in names]
        where = f'"{key}" = ?'
    else:
        await session.execute(text("SELECT 1"))  # see _insert: the adapter's transaction
        marks = [f'"{name}" = ${i}' for i, name in enumerate(names, start=1)]
        where = f'"{key}" = ${len(names) + 1}'
    sql = f'UPDATE "{table.name}" SET {", ".join(marks)} WHERE {where}'  # noqa: S608
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    await raw.executemany(sql, values)


def _key(row: Any, width: int) -> Any:
    return row[0] if width == 1 else tuple(row[:width])


def _converted(
    table: Table, rows: Sequence[dict[str, Any]], names: list[str], dialect: str
) -> list[list[Any]]:
    choose = _sqlite_converter if dialect == "sqlite" else _postgresql_converter
    converting = [
        (i, convert)
        for i, name in enumerate(names)
        if (convert := choose(table.c[name].type)) is not _identity
    ]
    pick = itemgetter(*names)
    values = []
    for row in rows:
        cells = list(pick(row)) if len(names) > 1 else [pick(row)]
        for i, convert in converting:
            cells[i] = convert(cells[i])
        values.append(cells)
    return values


async def _lookup(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: tuple[str, ...],
    where: tuple[ColumnElement[bool], ...],
) -> dict[Any, int]:
    """The ids of just-inserted rows, by `keys` (IN on the first one, narrowed by `where`).
    SQLite's RETURNING with a guaranteed row order would run one statement per row."""
    if not keys:
        return {}
    column = table.c[keys[0]]
    wanted = list(dict.fromkeys(row[keys[0]] for row in rows))
    query = select(*(table.c[k] for k in keys), table.c.id).where(*where)
    found: dict[Any, int] = {}
    for i in range(0, len(wanted), LOOKUP_CHUNK):
        for row in await session.execute(query.where(column.in_(wanted[i : i + LOOKUP_CHUNK]))):
            found[_key(row, len(keys))] = row[-1]
    return found
