"""Bulk INSERT through the database driver's own executemany.

SQLAlchemy's per-row parameter processing costs several times what SQLite spends storing the
row; for the catalog's large inserts the values are converted once per column here and handed
to the driver directly, inside the session's transaction. Other backends use Core.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import UtcDateTime

Convert = Callable[[Any], Any]


@lru_cache(maxsize=64)  # a batch stamps every row with the same moment
def _sqlite_datetime(value: datetime | None) -> str | None:
    # The storage format of SQLAlchemy's SQLite DATETIME, in UTC like UtcDateTime binds it.
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _identity(value: Any) -> Any:
    return value


def _sqlite_converter(column_type: Any) -> Convert:
    if isinstance(column_type, UtcDateTime):
        return _sqlite_datetime
    if isinstance(column_type, JSON):
        return _sqlite_json
    if isinstance(column_type, Boolean):
        return _sqlite_bool
    return _identity


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys) into `table` in the session's transaction."""
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name != "sqlite":
        await session.execute(insert(table), list(rows))
        return
    names = list(rows[0])
    converting = [
        (i, convert)
        for i, name in enumerate(names)
        if (convert := _sqlite_converter(table.c[name].type)) is not _identity
    ]
    pick = itemgetter(*names)
    values = []
    for row in rows:
        cells = list(pick(row)) if len(names) > 1 else [pick(row)]
        for i, convert in converting:
            cells[i] = convert(cells[i])
        values.append(cells)
    columns = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join("?" * len(names))
    # Table and column names come from the Table itself (table.c[name] checked them above).
    sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})'  # noqa: S608
    raw = await connection.get_raw_connection()
    await raw.driver_connection.executemany(sql, values)  # type: ignore[union-attr]
