"""Browsing a category: its newest available products, on SQLite and PostgreSQL alike.

Each category path's products are in id order in the index on available products' (category,
id) (migrations 0010, 0011), so each path's newest come from walking its part of the index
backwards and the database merges the walks; a path with few products in a price range asked
is read through (category, price_minor) instead. A category with more paths than are worth
merging is read whole, newest first.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from bot.search.filters import Filters
from bot.search.kernel import COLUMNS, Candidate, filters, for_session

BROWSE_PATHS = 64  # category paths under a browsed category merged newest first
BROWSE_SORTED = 2_000  # a category path's products in a price range read whole and sorted


async def newest(session: AsyncSession, wanted: Filters, limit: int) -> list[Candidate]:
    """The newest products of `wanted`'s category and its branches, at most `limit`."""
    found = await _merged(session, wanted, limit)
    if found is not None:
        return found
    sql = for_session(session)
    return await sql.candidates(
        session,
        f"SELECT {COLUMNS} FROM products AS p WHERE {filters(sql, wanted)}"
        f" ORDER BY p.id DESC LIMIT {int(limit)}",
    )


async def _merged(session: AsyncSession, wanted: Filters, limit: int) -> list[Candidate] | None:
    """The newest products of a category and its branches, or None when there are more than
    BROWSE_PATHS category paths under it.

    The index on available products' (category, id) holds each category path's products in id
    order. So each path's newest come from walking its part of the index backwards, and the
    database merges those walks (UNION ALL under one ORDER BY) and stops at the LIMIT, instead
    of reading a big branch whole to sort it. The paths are found by skipping through the same
    index, one
    distinct path at a time (each the first after the last in index order: PostgreSQL's
    min() sometimes aggregated the whole range instead). A path with few products in a price
    range asked is read through (category, price_minor) instead (see few_priced_paths)."""
    assert wanted.category and wanted.subcategories
    category, (low, high) = wanted.category, wanted.subcategories
    sql = for_session(session)
    found = await sql.fetch(
        session,
        "WITH RECURSIVE c(path) AS (SELECT * FROM (SELECT category FROM products WHERE available"
        f" AND category >= {sql(category)} AND category < {sql(high)}"
        " ORDER BY category LIMIT 1) AS first"
        " UNION ALL SELECT (SELECT category FROM products WHERE available"
        f" AND category > c.path AND category < {sql(high)} ORDER BY category LIMIT 1)"
        " FROM c WHERE c.path IS NOT NULL)"
        f" SELECT path FROM c WHERE path IS NOT NULL LIMIT {BROWSE_PATHS + 1}",
    )
    if len(found) > BROWSE_PATHS:
        return None
    # the range also holds paths that only sort between a category and its branches
    paths = [p for (p,) in found if p == category or low <= p < high]
    if not paths:
        return []
    others = replace(wanted, category=None)
    few: set[str] = set()
    if others.priced:
        few = await few_priced_paths(session, paths, others)
    sql = for_session(session)  # "?" are bound in the order the text names them
    # Each arm is its own newest `limit`, ordered as its index is (a path's products in a price
    # range it holds few of are read and sorted): PostgreSQL's planner otherwise read and
    # sorted a whole branch, or walked the whole table newest first.
    arms = " UNION ALL ".join(
        f"SELECT * FROM (SELECT {COLUMNS} FROM products AS p WHERE p.category = {sql(path)}"
        f" AND {filters(sql, others, price_index=path in few)}"
        f" ORDER BY {'p.id + 0 DESC' if path in few else 'p.category DESC, p.id DESC'}"
        f" LIMIT {int(limit)}) AS arm{i}"
        for i, path in enumerate(paths)
    )
    return await sql.candidates(session, f"{arms} ORDER BY 1 DESC LIMIT {int(limit)}")


async def few_priced_paths(session: AsyncSession, paths: list[str], wanted: Filters) -> set[str]:
    """The paths with at most BROWSE_SORTED products in `wanted`'s price range.

    Walking a path newest first reads all of it when none of its products is in the range (a
    category of cheap things browsed "over CN¥1,000"): those few are read through (category,
    price_minor) and sorted instead. Counting them there stops at BROWSE_SORTED + 1 entries.
    (Without this, SQLite read the whole range through the price index and PostgreSQL walked
    the whole table newest first.)"""
    sql = for_session(session)
    counted = ", ".join(
        f"(SELECT count(*) FROM (SELECT 1 FROM products AS p WHERE p.category = {sql(path)}"
        f" AND {filters(sql, wanted)} ORDER BY p.category, p.price_minor"
        f" LIMIT {BROWSE_SORTED + 1}) AS m{i})"
        for i, path in enumerate(paths)
    )
    (row,) = await sql.fetch(session, f"SELECT {counted}")
    return {path for path, count in zip(paths, row, strict=True) if count <= BROWSE_SORTED}
