"""SQL text for search's candidate queries, shared by the SQLite and PostgreSQL paths.

The statements are built as text with positional parameters and sent by the session's own
driver connection (asyncpg or aiosqlite): for the same shape of query they are the same text
(asyncpg reuses its prepared statement, sqlite3 its cached one). Building SQLAlchemy constructs
for them, then processing 200 rows through it, cost more than the database's answer (about 0.7
ms of 2.4 at 1M products on SQLite); going through SQLAlchemy's driver adapters costs a BEGIN
and a ROLLBACK round trip per search on PostgreSQL and four trips to aiosqlite's thread per
statement instead of one (bench/search.py). Every value goes through a parameter; the text is
assembled from fixed fragments only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.search.filters import Filters

# Hit's fields, then the terms relevance is scored on (the product's own and its translations'
# words, space-padded), then "has a stored translation" (of products AS p)
COLUMNS = (
    "p.id, p.title, p.marketplace, p.image_url, p.price_minor, p.price_currency, p.in_stock, "
    "p.on_sale, ' ' || p.search_terms || ' ' || p.translated_terms || ' ', "
    "p.translated_terms <> ''"
)


class Sql:
    """Parameters collected while the text is written: `sql(value)` is the placeholder."""

    def __init__(self, numbered: bool) -> None:
        self.numbered = numbered  # $1, $2 ... (asyncpg) rather than ? (sqlite3)
        self.args: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}" if self.numbered else "?"

    async def fetch(self, session: AsyncSession, text: str) -> Sequence[Any]:
        """The rows of `text` (tuples, or asyncpg Records), read on the session's connection:
        inside its transaction if it has one, else on their own (a search needs none). A driver
        error comes out as SQLAlchemy's DBAPIError, as from session.execute."""
        connection = await session.connection()
        driver: Any = (await connection.get_raw_connection()).driver_connection
        try:
            if self.numbered:
                return await driver.fetch(text, *self.args)
            return await driver.execute_fetchall(text, self.args)
        except (sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            raise DBAPIError(text, tuple(self.args), exc) from exc


def on_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def for_session(session: AsyncSession) -> Sql:
    return Sql(numbered=on_postgresql(session))


def filters(sql: Sql, wanted: Filters) -> str:
    """What `wanted` asks of a product row (products AS p), always at least "available"."""
    found = ["p.available"]
    if wanted.subcategories:
        low, high = wanted.subcategories
        found.append(
            f"(p.category = {sql(wanted.category)} "
            f"OR (p.category >= {sql(low)} AND p.category < {sql(high)}))"
        )
    if wanted.in_stock_only:
        found.append("p.in_stock")
    if wanted.marketplace:
        found.append(f"p.marketplace = {sql(wanted.marketplace)}")
    if wanted.min_price_minor is not None:
        found.append(f"p.price_minor >= {sql(wanted.min_price_minor)}")
    if wanted.max_price_minor is not None:
        found.append(f"p.price_minor <= {sql(wanted.max_price_minor)}")
    return " AND ".join(found)


async def candidates(
    session: AsyncSession, match: str | None, wanted: Filters, by_price: str | None, limit: int
) -> Sequence[Any]:
    """Rows of COLUMNS for FTS5 `match` (SQLite), or for browsing with no words (any database):
    at most `limit`, the newest, or the cheapest / dearest when `by_price` is "asc" / "desc"."""
    sql = for_session(session)  # with "?", parameters go in the order the text names them
    if match is not None:
        # Driven from the FTS table in descending rowid order, SQLite stops at the LIMIT instead
        # of collecting every match of a common word first (bench/search: 30 ms -> ~2 ms at 1M).
        source, newest = "products_fts AS f JOIN products AS p ON p.id = f.rowid", "f.rowid"
        where = f"products_fts MATCH {sql(match)} AND {filters(sql, wanted)}"
    else:
        source, newest = "products AS p", "p.id"
        where = filters(sql, wanted)
    order = {"asc": "p.price_minor ASC", "desc": "p.price_minor DESC"}.get(
        by_price or "", f"{newest} DESC"
    )
    text = f"SELECT {COLUMNS} FROM {source} WHERE {where} ORDER BY {order} LIMIT {int(limit)}"
    return await sql.fetch(session, text)
