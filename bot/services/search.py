"""Search the catalog in any language: Chinese titles by Chinese queries of any length, and by
queries in the shopper's language through the term dictionary.

The database only finds candidates (FTS5 on SQLite, B-tree postings on PostgreSQL, see
bot/services/search_pg.py; both over the tokens of bot/search/tokens.py) and at most CANDIDATES
of them; ranking happens here on that capped set, so a common word costs the same on a million
products as on ten thousand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from bot.search import tokens
from bot.search.expand import expand
from bot.search.filters import Filters
from bot.search.tokens import Query, Token
from bot.services import browse, search_pg, search_sql
from bot.services.titles import titles

NO_FILTERS = Filters()
# The newest matches, ranked or priced here whatever the order asked: 20 pages of 5, twice what
# inline mode shows. Reading and ranking 200 instead cost 25-35% more per search at 1M products
# (same-process A/B, bench/search.py's classes), for a slightly wider pool to rank.
CANDIDATES = 100


class Sort(StrEnum):
    RELEVANCE = "r"
    PRICE_UP = "p"
    PRICE_DOWN = "d"
    NEWEST = "n"


class Hit(NamedTuple):
    """A product as a results page shows it (a tuple: CANDIDATES of them are built per search)."""

    id: int
    title: str
    marketplace: str
    image_url: str | None
    price_minor: int | None
    currency: str | None
    in_stock: bool
    on_sale: bool = False


@dataclass
class Results:
    hits: list[Hit] = field(default_factory=list)
    capped: bool = False  # more matched than were ranked
    titles: dict[int, str] = field(default_factory=dict)  # stored translations, by product id

    def page(self, number: int, size: int) -> list[Hit]:
        return self.hits[number * size : (number + 1) * size]

    def pages(self, size: int) -> int:
        return max(1, -(-len(self.hits) // size))


def parse(query: str, language: str) -> Query:
    """The shopper's text as token alternatives; empty when nothing searchable is left."""
    units: Query = []
    words: list[str] = []

    def flush() -> None:
        for unit_words, chinese in expand(words, language):
            alternatives = [[tokens.word(w) for w in unit_words]]
            for zh in chinese:
                alternatives.append(_tokens_of(zh))
            units.append([a for a in alternatives if a])
        words.clear()

    for run in tokens.runs(query)[: tokens.MAX_QUERY_UNITS]:
        if tokens.is_cjk(run):
            flush()
            units.append([[Token(t) for t in tokens.cjk_tokens(run)]])
        else:
            words.append(run)
    flush()
    return [unit for unit in units if unit]


def _tokens_of(term: str) -> list[Token]:
    found: list[Token] = []
    for run in tokens.runs(term):
        if tokens.is_cjk(run):
            found += [Token(t) for t in tokens.cjk_tokens(run)]
        else:
            found.append(tokens.word(run))
    return found


async def search(
    session: AsyncSession,
    query: str,
    *,
    language: str = "en",
    filters: Filters = NO_FILTERS,
    sort: Sort = Sort.RELEVANCE,
) -> Results:
    """Ranked matches of `query` (at most CANDIDATES); empty for a query with no tokens."""
    parsed = parse(query, language)
    if not parsed and not filters.category:
        return Results()
    rows = await _candidates(session, parsed, filters)
    if sort is Sort.RELEVANCE:
        rows = sorted(rows, key=_relevance([t.text for t in tokens.flat(parsed)]))
    elif sort is not Sort.NEWEST:
        rows = sorted(rows, key=_by_price(descending=sort is Sort.PRICE_DOWN))
    # The columns are Hit's fields, then search_terms, then "has a stored translation";
    # SQLite answers its booleans as 0 / 1.
    hits = [Hit(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), bool(r[7])) for r in rows]
    translated: dict[int, str] = {}
    if language != "zh" and (some := [row[0] for row in rows if row[9]]):
        translated = await titles(session, some, language)
    return Results(hits, capped=len(rows) >= CANDIDATES, titles=translated)


def _relevance(wanted: list[str]) -> Callable[[Any], tuple[float, int]]:
    """Sort key of a candidate row, best first: the share of the query's tokens among the
    product's and its translations' (whole tokens only), then in stock, then shorter titles,
    then newer. An alternative's tokens count whichever alternative matched."""
    share = 1 / max(len(wanted), 1)
    weights = list(Counter(f" {w} " for w in wanted).items())  # alternatives repeat tokens

    def key(row: Any) -> tuple[float, int]:
        terms = row[8]
        matched = sum([n for w, n in weights if w in terms]) * share
        return -(matched + (0.5 if row[6] else 0.0) - len(row[1]) / 10_000), -row[0]

    return key


def _by_price(descending: bool) -> Callable[[Any], tuple[bool, int, int]]:
    """Sort key of a candidate row: cheapest (or dearest) first, unpriced last, then newer."""
    sign = -1 if descending else 1
    return lambda row: (row[4] is None, sign * (row[4] or 0), -row[0])


async def _candidates(session: AsyncSession, query: Query, filters: Filters) -> Sequence[Any]:
    """The newest CANDIDATES matches, whatever the order asked: every order ranks the same
    results. Finding the cheapest of every match instead read all of them: 0.8-1.7 s for a
    common word at 1M products on PostgreSQL, 0.12-0.14 s on SQLite. The price filter still
    narrows over every match."""
    if not query and filters.category:
        found = await browse.newest(session, filters, CANDIDATES)
        if found is not None:
            return found
    if query and search_sql.on_postgresql(session):
        return await search_pg.candidates(session, query, filters, CANDIDATES)
    return await search_sql.candidates(session, query, filters, CANDIDATES)
