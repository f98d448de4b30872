"""The search engine's face: search the catalog in any language, Chinese titles by Chinese
queries of any length, and by queries in the shopper's language through the term dictionary.

The database only finds candidates (FTS5 on SQLite, bot/search/sqlite.py; B-tree postings on
PostgreSQL, bot/search/postgres.py; a category's newest, bot/search/browse.py; all over the
tokens of bot/search/tokens.py) and at most CANDIDATES of them; ranking happens here on that
capped set, so a common word costs the same on a million products as on ten thousand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from bot.search import browse, postgres, sqlite, tokens
from bot.search.chinese import to_simplified
from bot.search.expand import SPACELESS, dictionary, expand, segment
from bot.search.filters import Filters
from bot.search.kernel import Candidate, on_postgresql
from bot.search.language import query_language
from bot.search.tokens import Query, Token

NO_FILTERS = Filters()
# The newest matches, ranked or priced here whatever the order asked: 20 pages of 5, twice what
# inline mode shows (a wider pool to rank costs every search more: bench/README.md).
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
    translated: list[int] = field(default_factory=list)  # hits with a stored title translation
    titles: dict[int, str] = field(default_factory=dict)  # those translations, by product id

    def page(self, number: int, size: int) -> list[Hit]:
        return self.hits[number * size : (number + 1) * size]

    def pages(self, size: int) -> int:
        return max(1, -(-len(self.hits) // size))


def parse(query: str, language: str) -> Query:
    """The shopper's text as token alternatives; empty when nothing searchable is left.
    `language` is the shopper's interface language; the query's own comes from its text."""
    typed = query_language(query, language)
    units: Query = []
    words: list[str] = []

    def flush() -> None:
        for unit_words, chinese in expand(words, typed, language.split("_")[0]):
            alternatives = [[tokens.word(w) for w in unit_words]]
            for zh in chinese:
                alternatives.append(_tokens_of(zh))
            units.append([a for a in alternatives if a])
        words.clear()

    for run in tokens.runs(query)[: tokens.MAX_QUERY_UNITS]:
        if tokens.is_cjk(run):
            flush()
            units.append(_chinese_unit(run))
        elif typed in SPACELESS:
            words.extend(segment(run, typed))
        else:
            words.append(run)
    flush()
    return [unit for unit in units if unit]


def _chinese_unit(run: str) -> list[list[Token]]:
    """A run of Chinese characters: as typed, in mainland Simplified when typed otherwise
    (手機殼 -> 手机壳, 滑鼠 -> 鼠标), and what the Japanese dictionary says a kanji word means."""
    forms = dict.fromkeys((to_simplified(run), run))
    forms.update(dict.fromkeys(dictionary().get("ja", {}).get(run, ())))
    return [_tokens_of(form) for form in forms]


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
    hits = [
        Hit(c.id, c.title, c.marketplace, c.image_url, c.price_minor, c.currency,
            bool(c.in_stock), bool(c.on_sale))
        for c in rows
    ]  # fmt: skip
    translated = [c.id for c in rows if c.translated]
    return Results(hits, capped=len(rows) >= CANDIDATES, translated=translated)


def _relevance(wanted: list[str]) -> Callable[[Candidate], tuple[float, int]]:
    """Sort key of a candidate row, best first: the share of the query's tokens among the
    product's and its translations' (whole tokens only), then in stock, then shorter titles,
    then newer. An alternative's tokens count whichever alternative matched."""
    share = 1 / max(len(wanted), 1)
    weights = list(Counter(f" {w} " for w in wanted).items())  # alternatives repeat tokens

    def key(row: Candidate) -> tuple[float, int]:
        terms = row.terms
        matched = sum([n for w, n in weights if w in terms]) * share
        return -(matched + (0.5 if row.in_stock else 0.0) - len(row.title) / 10_000), -row.id

    return key


def _by_price(descending: bool) -> Callable[[Candidate], tuple[bool, int, int]]:
    """Sort key of a candidate row: cheapest (or dearest) first, unpriced last, then newer."""
    sign = -1 if descending else 1
    return lambda row: (row.price_minor is None, sign * (row.price_minor or 0), -row.id)


async def _candidates(session: AsyncSession, query: Query, filters: Filters) -> list[Candidate]:
    """The newest CANDIDATES matches, whatever the order asked: every order ranks the same
    results (finding the cheapest of every match instead would read all of them). The price
    filter still narrows over every match."""
    if not query:
        return await browse.newest(session, filters, CANDIDATES)
    if on_postgresql(session):
        return await postgres.candidates(session, query, filters, CANDIDATES)
    return await sqlite.candidates(session, query, filters, CANDIDATES)
