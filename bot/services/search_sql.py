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
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cache import MISSING, TtlCache
from bot.search.filters import Filters
from bot.search.tokens import Query, Token, flat

# A product's own and its translations' words, space-padded (of products AS p): what a row is
# checked against (PostgreSQL) and relevance is scored on.
TERMS = "' ' || p.search_terms || ' ' || p.translated_terms || ' '"
# Hit's fields, then TERMS, then "has a stored translation"
COLUMNS = (
    "p.id, p.title, p.marketplace, p.image_url, p.price_minor, p.price_currency, p.in_stock, "
    f"p.on_sale, {TERMS}, p.translated_terms <> ''"
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


COUNT_TTL = 600.0
# Up to this many FTS5 matches are read oldest first and sorted (see candidates). Measured at 1M
# products with 200 candidates: every long CJK query with fewer possible matches ran as fast or
# faster that way (no-hit ones 1.6x); those with 900-1,500 possible matches but 200 actual ones
# ran 5-30% slower than newest first. With 100 candidates, 150 and 300 measured the same as 600.
FEW = 600
PRICED = 1_000  # products in a price range a search reads through the price index (priced_few)
_counts = TtlCache(COUNT_TTL, 50_000)


async def priced_few(session: AsyncSession, wanted: Filters) -> bool:
    """Whether `wanted` asks for a price range that at most PRICED products are in (counted
    through the price index, kept COUNT_TTL like token counts): a search then reads those
    products and checks the query on each, rather than walk its matches newest first for the
    few in the range. At 1M products, a common word in a range no product of it is in walked
    every match: 13-85 ms on SQLite, 0.2-1 s on PostgreSQL; the range's few cost next to
    nothing. A stale count costs time, never a result."""
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


def fts5(query: Query) -> str:
    """FTS5 MATCH text; tokens are letters, digits or CJK only, so quoting them is enough."""
    return " AND ".join(
        "("
        + " OR ".join("(" + " AND ".join(fts5_token(t) for t in alt) + ")" for alt in unit)
        + ")"
        for unit in query
    )


def fts5_token(token: Token) -> str:
    return f'"{token.text}"' + ("*" if token.prefix else "")


def _fts5_count(sql: Sql, token: Token) -> str:
    return (
        "(SELECT count(*) FROM (SELECT 1 FROM products_fts "
        f"WHERE products_fts MATCH {sql(fts5_token(token))} LIMIT {FEW + 1}))"
    )


def most_matches(query: Query, counts: dict[Token, int]) -> int:
    """At most how many products match `query`: an AND group matches no more products than its
    rarest token, an OR no more than its alternatives together, the whole query no more than its
    smallest unit."""
    return min(sum(min(counts[t] for t in alt) for alt in unit) for unit in query)


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


async def candidates(
    session: AsyncSession, query: Query, wanted: Filters, limit: int
) -> Sequence[Any]:
    """Rows of COLUMNS matching `query` through FTS5 (SQLite), or with no query (any database,
    when bot/services/browse.py cannot tell): the newest, at most `limit`."""
    few = priced = False
    if query:
        priced = await priced_few(session, wanted)
        if not priced:
            known, _ = await counts(session, for_session(session), flat(query), _fts5_count)
            few = most_matches(query, known) <= FEW
    sql = for_session(session)  # with "?", parameters go in the order the text names them
    newest = "p.id"
    match = fts5(query)
    if wanted.band:
        match += f' AND "{wanted.band}"'  # FTS5 intersects the words with the price band
    if not query:
        source, where = "products AS p", filters(sql, wanted)
    elif priced or few:
        # Few matches: FTS5 reads them all in its own order (oldest first), about twice as fast
        # as newest first, and they are sorted after (no-hit long CJK queries at 1M products:
        # 1.8 -> 1.0 ms). Few products in the price range: read through its index, FTS5's
        # matches a set to check against ("+": not looked up by id one match at a time), and
        # sorted after ("+ 0": not walked by id).
        source, newest = "products AS p", "p.id + 0" if priced else "p.id"
        where = (
            f"{'+' if priced else ''}p.id IN (SELECT rowid FROM products_fts WHERE products_fts"
            f" MATCH {sql(match)}) AND {filters(sql, wanted)}"
        )
    else:
        # Driven from the FTS table in descending rowid order, SQLite stops at the LIMIT instead
        # of collecting every match of a common word first (bench/search: 30 ms -> ~2 ms at 1M).
        source, newest = "products_fts AS f JOIN products AS p ON p.id = f.rowid", "f.rowid"
        where = f"products_fts MATCH {sql(match)} AND {filters(sql, wanted)}"
    text = f"SELECT {COLUMNS} FROM {source} WHERE {where} ORDER BY {newest} DESC LIMIT {int(limit)}"
    return await sql.fetch(session, text)
