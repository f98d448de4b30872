"""Search candidates on PostgreSQL: walk the rarest token's postings newest first.

search_postings (migration 0008) holds a row per (token, product) in a B-tree. For a query (an
AND of units, each an OR of alternatives, each an AND of tokens), the unit whose alternatives
have the fewest products drives: each alternative contributes the postings of its rarest token,
merged newest first. Each product they name is then read by primary key and kept when its
stored terms satisfy the whole query and the filters. The walk is lazy, so it stops at the LIMIT:
a common token costs about as much as a rare one, on a million products as on ten thousand. That
is what FTS5 does on SQLite with its rowid-ordered doclists; a GIN index cannot (it only answers
with a bitmap of every match).

Choosing the rarest token needs its number of products, counted from the same B-tree (index
only, stopping at COUNT_CAP) and kept for a while (kernel.counts). A count only steers the
walk; a stale one costs time, never a result. Only a zero counted just now ends a branch (or the
search) without walking it.

The statements are SQL text run through the driver (bot/search/kernel.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.search import kernel
from bot.search.filters import Filters
from bot.search.kernel import Candidate
from bot.search.tokens import Query, Token, flat, prefix_range

COUNT_CAP = 20_000  # beyond this a token is simply common
MAX_TERMS = 16  # words a typed prefix is walked as, one by one
MAX_BRANCHES = 24  # beyond this a typed prefix is read as a range instead of word by word
MAX_PROBES = 1  # tokens a walked posting is checked for in the index before its row is read


class Sql(kernel.Sql):
    """PostgreSQL's statement text and parameters, with the postings' own fragments."""

    def __init__(self) -> None:
        super().__init__(numbered=True)

    def matches(self, token: Token, column: str) -> str:
        """The postings of `token`: its term, or every term it begins (a word typed)."""
        if token.prefix:
            low, high = prefix_range(token.text)
            return f"{column} >= {self(low)} AND {column} < {self(high)}"
        return f"{column} = {self(token.text)}"

    def holds(self, token: Token) -> str:
        """The product row holds `token`: the whole token, or a word it begins."""
        escaped = token.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"({kernel.TERMS}) LIKE {self('% ' + escaped + ('%' if token.prefix else ' %'))}"


async def counts(
    session: AsyncSession, tokens: Sequence[Token]
) -> tuple[dict[Token, int], set[Token]]:
    """Products per token, counted from the postings index only and capped at COUNT_CAP, and
    which of them were counted just now (kernel.counts)."""
    return await kernel.counts(session, Sql(), tokens, _count)


def _count(sql: kernel.Sql, token: Token) -> str:
    assert isinstance(sql, Sql)
    return (
        f"(SELECT count(*) FROM (SELECT 1 FROM search_postings WHERE {sql.matches(token, 'term')} "
        f"LIMIT {COUNT_CAP}) AS c)"
    )


@dataclass(frozen=True, slots=True)
class Branch:
    """One ordered stream of the walk: the postings of a term (or of a prefix, as a range),
    less those of products lacking one of `probes`, found in the index before any row is read.
    A product it yields holds its alternative when the row also holds one of `rests` (the rest
    of each alternative it is walked for)."""

    token: Token
    probes: tuple[Token, ...] = ()
    rests: tuple[tuple[Token, ...], ...] = ((),)

    @property
    def whole(self) -> bool:
        """Token and probes are all of an alternative: the index proves the match."""
        return () in self.rests


def _driver(query: Query, counts: dict[Token, int]) -> tuple[int, list[Branch]]:
    """The unit with the fewest products, and branches whose postings cover its matches: the
    rarest token of each alternative (among equals, a whole token, then the longer), probed for
    the alternative's next rarest whole tokens."""
    best: tuple[int, list[Branch]] = (0, [])
    best_cost = -1
    for index, unit in enumerate(query):
        branches: dict[Token, Branch] = {}
        for alt in unit:
            ranked = sorted(alt, key=lambda t: (counts[t], t.prefix, -len(t.text)))
            probes = tuple(t for t in ranked[1:] if not t.prefix)[:MAX_PROBES]
            rest = tuple(t for t in alt if t != ranked[0] and t not in probes)
            _add(branches, Branch(ranked[0], probes, (rest,)))
        cost = sum(counts[t] for t in branches)
        if best_cost < 0 or cost < best_cost:
            best, best_cost = (index, list(branches.values())), cost
    return best


def _add(branches: dict[Token, Branch], branch: Branch) -> None:
    """Walk `branch`; a token already walked for another alternative keeps the probes that
    both alternatives need, and the row checks the others."""
    known = branches.get(branch.token)
    if known is not None:
        probes = tuple(p for p in branch.probes if p in known.probes)
        rests = [*_unprobed(known, probes), *_unprobed(branch, probes)]
        branch = Branch(branch.token, probes, tuple(dict.fromkeys(rests)))
    branches[branch.token] = branch


def _unprobed(branch: Branch, probes: tuple[Token, ...]) -> list[tuple[Token, ...]]:
    dropped = tuple(p for p in branch.probes if p not in probes)
    return [rest + dropped for rest in branch.rests]


async def _words(session: AsyncSession, token: Token) -> list[Token]:
    """The words a typed prefix begins, each walked in product order, or the prefix itself when
    it begins more than MAX_TERMS of them (its range is then read whole and sorted).

    Found by skipping through the B-tree one distinct term at a time (a loose index scan), so a
    term's postings are not read; never cached, so a word first synced a second ago is walked.
    Each step is the first term after the last in index order (ORDER BY ... LIMIT 1): written
    as min(), PostgreSQL sometimes aggregated the whole range instead (after an ANALYZE that
    guessed the range held one row)."""
    sql = Sql()
    low, high = prefix_range(token.text)
    start, end = sql(low), sql(high)
    rows = await sql.fetch(
        session,
        "WITH RECURSIVE found(term) AS ("
        f" (SELECT term FROM search_postings WHERE term >= {start} AND term < {end}"
        " ORDER BY term LIMIT 1)"
        " UNION ALL"
        " SELECT (SELECT s.term FROM search_postings AS s"
        f" WHERE s.term > found.term AND s.term < {end} ORDER BY s.term LIMIT 1)"
        " FROM found WHERE found.term IS NOT NULL"
        f") SELECT term FROM found WHERE term IS NOT NULL LIMIT {MAX_TERMS + 1}",
    )
    words = [row[0] for row in rows]
    return [token] if len(words) > MAX_TERMS else [Token(w) for w in words]


def _walk(sql: Sql, branches: list[Branch], band: str | None) -> str:
    """The branches' product ids, newest first, read lazily: each branch keeps its ORDER BY,
    so PostgreSQL merges them (Merge Append) instead of collecting every posting to sort. A
    probe is a scalar subquery, which PostgreSQL evaluates per posting and never turns into a
    join that would read all of the probed term's postings. A price range within one band
    probes the band's token too, so a posting outside it costs an index probe rather than its
    row. Joining the band's postings instead let a merge join read all of them for a rare word
    (both measured in bench/README.md)."""
    in_band = [sql(band)] if band else []  # one parameter, probed by every branch
    return " UNION ALL ".join(
        f"(SELECT s.product_id, {i} AS branch FROM search_postings AS s "
        f"WHERE {sql.matches(b.token, 's.term')}"
        + "".join(
            " AND (SELECT true FROM search_postings AS x "
            f"WHERE x.term = {term} AND x.product_id = s.product_id)"
            for term in [*in_band, *(sql(probe.text) for probe in b.probes)]
        )
        + " ORDER BY s.product_id DESC)"
        for i, b in enumerate(branches)
    )


def _rest(sql: Sql, branches: list[Branch]) -> str:
    """What the row of a product a branch yields must still hold: one of the branch's rests.
    A whole branch's products match already (the triggers keep postings and rows in the same
    transaction), so their rows are not checked for it."""
    if all(b.whole for b in branches):
        return "true"
    if len(branches) == 1:
        return _one_of(sql, branches[0].rests)
    return (
        "("
        + " OR ".join(
            f"(walk.branch = {i}" + ("" if b.whole else f" AND {_one_of(sql, b.rests)}") + ")"
            for i, b in enumerate(branches)
        )
        + ")"
    )


def _satisfies(sql: Sql, units: Query) -> str:
    return " AND ".join(_one_of(sql, unit) for unit in units) or "true"


def _one_of(sql: Sql, alternatives: Sequence[Sequence[Token]]) -> str:
    """The row holds every token of one of `alternatives` (parenthesized: it joins an AND)."""
    return (
        "("
        + " OR ".join("(" + " AND ".join(sql.holds(t) for t in a) + ")" for a in alternatives)
        + ")"
    )


async def candidates(
    session: AsyncSession, query: Query, filters: Filters, limit: int
) -> list[Candidate]:
    """The newest products matching `query` (not empty) and `filters`, at most `limit`."""
    if await kernel.priced_few(session, filters):
        # Few products in the price range: read through the price index, each row checked
        # for the query, sorted after ("+ 0": not walked by id).
        sql = Sql()
        return await sql.candidates(
            session,
            f"SELECT {kernel.COLUMNS} FROM products AS p WHERE {_satisfies(sql, query)}"
            f" AND {kernel.filters(sql, filters)} ORDER BY p.id + 0 DESC LIMIT {int(limit)}",
        )
    known, fresh = await counts(session, flat(query))
    branches: dict[Token, Branch] = {}
    driving, drivers = _driver(query, known)
    for branch in drivers:
        token = branch.token
        if not known[token] and token in fresh:
            continue  # no product holds it: counted just now
        # A zero from the cache is walked all the same (an empty range costs next to nothing,
        # and finds what was synced since); only a word with products is worth expanding.
        words = await _words(session, token) if token.prefix and known[token] else [token]
        if len(branches) + len(words) > MAX_BRANCHES:
            words = [token]
        for word in words:  # a word a typed prefix begins proves the prefix
            _add(branches, Branch(word, branch.probes, branch.rests))
    if not branches:
        return []
    sql = Sql()
    walked = list(branches.values())
    band = filters.band
    # A row is read once per posting, by primary key (LIMIT 1 keeps PostgreSQL from turning the
    # lateral lookup into a hash join over the whole table, so the walk stays lazy), and checked
    # for the rest of its branch's alternative and for the other units.
    others = _satisfies(sql, [unit for i, unit in enumerate(query) if i != driving])
    walk = (
        f" FROM ({_walk(sql, walked, band)}) AS walk"
        f" CROSS JOIN LATERAL (SELECT {kernel.COLUMNS} FROM products AS p"
        f" WHERE p.id = walk.product_id AND {_rest(sql, walked)} AND {others}"
        f" AND {kernel.filters(sql, filters)} LIMIT 1) AS p"
    )
    columns = ", ".join(f"p.{name}" for name in Candidate._fields)
    if len(walked) == 1 and not walked[0].token.prefix:
        # one term's postings name each product once (their key is term, product)
        text = f"SELECT {columns}{walk} ORDER BY walk.product_id DESC LIMIT {int(limit)}"
    else:
        # A product that several branches (or a prefix's words) yield comes out of the merge as
        # neighbours: lag() drops the repeats as they pass (DISTINCT read every posting first).
        text = (
            f"SELECT {kernel.NAMES} FROM (SELECT {columns}, walk.product_id AS walked,"
            f" lag(walk.product_id) OVER (ORDER BY walk.product_id DESC) AS previous{walk})"
            f" AS found WHERE previous IS DISTINCT FROM walked ORDER BY walked DESC"
            f" LIMIT {int(limit)}"
        )
    return await sql.candidates(session, text)
