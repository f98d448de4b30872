"""The SQL kernel both search backends share: statement text with positional parameters, the
columns a candidate row has, what filters ask of a row, and capped counts kept for a while.

The statements are built as text with positional parameters and sent by the session's own
driver connection (asyncpg or aiosqlite): for the same shape of query they are the same text
(asyncpg reuses its prepared statement, sqlite3 its cached one). Building SQLAlchemy constructs
for them, then processing their rows through it, cost a large share of a search; going
through SQLAlchemy's driver adapters costs a BEGIN and a ROLLBACK round trip per search on
PostgreSQL and four trips to aiosqlite's thread per statement instead of one. Every value goes
through a parameter; the text is assembled from fixed fragments only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cache import MISSING, TtlCache
from bot.search.filters import Filters
from bot.search.tokens import Token

# A product's own and its translations' words, space-padded (of products AS p): what a row is
# checked against (PostgreSQL) and relevance is scored on.
TERMS = "' ' || p.search_terms || ' ' || p.translated_terms || ' '"


class Candidate(NamedTuple):
    """A product row as COLUMNS reads it (SQLite answers its booleans as 0 / 1)."""

    id: int
    title: str
    marketplace: str
    image_url: str | None
    price_minor: int | None
    currency: str | None
    in_stock: bool
    on_sale: bool
    terms: str  # TERMS
    translated: bool  # has a stored translation


# A Candidate's columns, each named for its field (of products AS p).
COLUMNS = ", ".join(
    f"{expression} AS {name}"
    for name, expression in zip(
        Candidate._fields,
        ("p.id", "p.title", "p.marketplace", "p.image_url", "p.price_minor", "p.price_currency",
         "p.in_stock", "p.on_sale", TERMS, "p.translated_terms <> ''"),
        strict=True,
    )
)  # fmt: skip
# The same columns read from a subquery of COLUMNS.
NAMES = ", ".join(Candidate._fields)


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

    async def candidates(self, session: AsyncSession, text: str) -> list[Candidate]:
        """The rows of `text`, a SELECT of COLUMNS."""
        return list(map(Candidate._make, await self.fetch(session, text)))


COUNT_TTL = 600.0
PRICED = 1_000  # products in a price range a search reads through the price index (priced_few)
_counts = TtlCache(COUNT_TTL, 50_000)


async def priced_few(session: AsyncSession, wanted: Filters) -> bool:
    """Whether `wanted` asks for a price range that at most PRICED products are in (counted
    through the price index, kept COUNT_TTL like token counts): a search then reads those
    products and checks the query on each, rather than walk its matches newest first for the
    few in the range (a common word in a range none of its products is in would walk every
    match). A stale count costs time, never a result."""
    if not wanted.priced:
        return False
    key = (
        str(session.get_bind().engine.url),
        "price",
        wanted.min_price_minor,
        wanted.max_price_minor,
    )
    count = _counts.get(key, MISSING)
    if count is MISSING:
        sql = for_session(session)
        range_only = Filters(
            min_price_minor=wanted.min_price_minor, max_price_minor=wanted.max_price_minor
        )
        ((count,),) = await sql.fetch(
            session,
            f"SELECT count(*) FROM (SELECT 1 FROM products AS p WHERE {filters(sql, range_only)}"
            f" LIMIT {PRICED + 1}) AS m",
        )
        _counts.put(key, count)
    return bool(count <= PRICED)


def forget_counts() -> None:
    """Drop the kept token counts (a database emptied or replaced under a running process)."""
    _counts.clear()


def on_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def for_session(session: AsyncSession) -> Sql:
    return Sql(numbered=on_postgresql(session))


async def counts(
    session: AsyncSession, sql: Sql, tokens: Sequence[Token], count: Callable[[Sql, Token], str]
) -> tuple[dict[Token, int], set[Token]]:
    """Products per token as the scalar subquery `count(sql, token)` counts them (capped), kept
    COUNT_TTL seconds per process and database; and which of them were counted just now (the
    uncached ones, in one statement on `sql`). A count only steers how a search reads its
    index: a stale one costs time, never a result."""
    where = str(session.get_bind().engine.url)  # a count belongs to its database
    found: dict[Token, int] = {}
    missing: list[Token] = []
    for token in dict.fromkeys(tokens):
        cached = _counts.get((where, token), MISSING)
        if cached is MISSING:
            missing.append(token)
        else:
            found[token] = cached
    if missing:
        (row,) = await sql.fetch(session, "SELECT " + ", ".join(count(sql, t) for t in missing))
        for token, number in zip(missing, row, strict=True):
            _counts.put((where, token), number)
            found[token] = number
    return found, set(missing)


def filters(sql: Sql, wanted: Filters, *, price_index: bool = True) -> str:
    """What `wanted` asks of a product row (products AS p), always at least "available";
    without `price_index`, the price range is written so that no index can serve it (as what
    the price is not), for the row to be only checked: PostgreSQL still estimates it from the
    column's statistics."""
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
    cheapest, dearest = wanted.min_price_minor, wanted.max_price_minor
    if price_index:
        if cheapest is not None:
            found.append(f"p.price_minor >= {sql(cheapest)}")
        if dearest is not None:
            found.append(f"p.price_minor <= {sql(dearest)}")
    elif cheapest is not None or dearest is not None:
        outside = []
        if cheapest is not None:
            outside.append(f"p.price_minor < {sql(cheapest)}")
        if dearest is not None:
            outside.append(f"p.price_minor > {sql(dearest)}")
        found.append(f"NOT ({' OR '.join(outside)})")
    return " AND ".join(found)
