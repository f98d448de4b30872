"""Search candidates on SQLite: the FTS5 index over the products' tokens (migrations 0003, 0009).

FTS5 keeps each token's matches in rowid order, so a query driven from the FTS table newest
first stops at the LIMIT instead of collecting every match of a common word first. A query with
few possible matches (counted per token, kept like PostgreSQL's) is read in FTS5's own order and
sorted after, which is cheaper; and a price range few products are in is read through the price
index, FTS5's matches a set to check against.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.search.filters import Filters
from bot.search.kernel import COLUMNS, Candidate, Sql, counts, filters, for_session, priced_few
from bot.search.tokens import Query, Token, flat

# Up to this many possible matches are read in FTS5's order (oldest first) and sorted after
# (see candidates): bench/search.py's long CJK queries chose it.
FEW = 600


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


async def candidates(
    session: AsyncSession, query: Query, wanted: Filters, limit: int
) -> list[Candidate]:
    """The newest products matching `query` (not empty) and `wanted`, at most `limit`."""
    priced = await priced_few(session, wanted)
    few = False
    if not priced:
        known, _ = await counts(session, for_session(session), flat(query), _fts5_count)
        few = most_matches(query, known) <= FEW
    sql = for_session(session)  # with "?", parameters go in the order the text names them
    match = fts5(query)
    if wanted.band:
        match += f' AND "{wanted.band}"'  # FTS5 intersects the words with the price band
    if priced or few:
        # Few matches: FTS5 reads them all in its own order (oldest first), faster than newest
        # first, and they are sorted after. Few products in the price range: read through its
        # index, FTS5's matches a set to check against ("+": not looked up by id one match at a
        # time), and sorted after ("+ 0": not walked by id).
        source, newest = "products AS p", "p.id + 0" if priced else "p.id"
        where = (
            f"{'+' if priced else ''}p.id IN (SELECT rowid FROM products_fts WHERE products_fts"
            f" MATCH {sql(match)}) AND {filters(sql, wanted)}"
        )
    else:
        # Driven from the FTS table in descending rowid order, SQLite stops at the LIMIT instead
        # of collecting every match of a common word first.
        source, newest = "products_fts AS f JOIN products AS p ON p.id = f.rowid", "f.rowid"
        where = f"products_fts MATCH {sql(match)} AND {filters(sql, wanted)}"
    text = f"SELECT {COLUMNS} FROM {source} WHERE {where} ORDER BY {newest} DESC LIMIT {int(limit)}"
    return await sql.candidates(session, text)
