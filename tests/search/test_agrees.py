"""Search finds exactly what a plain reading of the query finds, on every path.

A seeded catalog of titles drawn from a small vocabulary (so tokens share products in many
proportions and the walks choose many different drivers, probes and merged branches) is
searched with queries in Chinese, English and Russian; the answer must be the products whose
indexed tokens satisfy the parsed query, each once: on SQLite with both ways of reading FTS5,
and on PostgreSQL's postings walk.
"""

from __future__ import annotations

import random

import pytest

from bot.process.deps import Deps
from bot.search import engine, kernel, sqlite
from bot.search.filters import Filters
from bot.search.tokens import Query, Token, index_terms
from tests.support import found, product, store

WORDS = tuple(
    "手机壳 手机壳透明 手机套 手机 支架 保护壳 机壳 透明 硅胶 卫衣 连帽 女款 女士 保温杯 大容量 保温杯大容量 运动鞋 板鞋 "
    "蓝牙耳机 耳机 phone phones case hoodie women type c usb iphone15 pho".split()
)
QUERIES = [
    ("phone case", "en"),
    ("hoodie women", "en"),
    ("type c", "en"),
    ("women", "en"),
    ("case", "en"),
    ("c", "en"),
    ("pho", "en"),
    ("iphone", "en"),
    ("чехол", "ru"),
    ("手机壳", "zh"),
    ("手机", "zh"),
    ("机壳透明", "zh"),
    ("保温杯大容量", "zh"),
    ("运动鞋 女", "zh"),
    ("蓝牙耳机", "zh"),
    ("卫衣 phone", "zh"),
]


def holds(terms: set[str], token: Token) -> bool:
    if token.prefix:
        return any(term.startswith(token.text) for term in terms)
    return token.text in terms


def satisfies(terms: set[str], query: Query) -> bool:
    return all(any(all(holds(terms, t) for t in alt) for alt in unit) for unit in query)


# Without the Latin words and 保护壳, several of the dictionary's alternatives for an English
# query hold nothing, so the rest share fewer branches (and drivers rarer than their probes).
CHINESE = tuple(w for w in WORDS if not w.isascii() and w != "保护壳")


# Price ranges in minor units (CNY fen), as the results' filter buttons ask.
RANGES = [(None, 4999), (5000, 19999), (20000, 99999), (100000, None), (20000, None), (None, None)]


@pytest.mark.parametrize("few", [sqlite.FEW, -1])
@pytest.mark.parametrize("words", [WORDS, CHINESE], ids=["mixed", "chinese"])
@pytest.mark.parametrize("priced", [kernel.PRICED, -1], ids=["by-price", "walked"])
async def test_search_finds_exactly_the_products_the_query_describes(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, few: int, words: tuple[str, ...], priced: int
) -> None:
    monkeypatch.setattr(sqlite, "FEW", few)  # SQLite: read FTS5 oldest first, or newest
    # a price range's few products read by price and checked for the query, or never
    monkeypatch.setattr(kernel, "PRICED", priced)
    monkeypatch.setattr(engine, "CANDIDATES", 1000)  # every match, to compare whole answers
    rng = random.Random(20261126)
    titles = {str(n): " ".join(rng.sample(words, rng.randint(1, 4))) for n in range(120)}
    stock = {ext: rng.random() < 0.7 for ext in titles}
    prices = {ext: rng.choice((5, 20, 49, 50, 199, 200, 2000)) for ext in titles}
    ids = await store(
        deps, *(product(e, t, f"{prices[e]}.00", stock=stock[e]) for e, t in titles.items())
    )
    terms = {ids[e]: set(index_terms(t).split()) for e, t in titles.items()}
    in_stock = {ids[e] for e in titles if stock[e]}
    price = {ids[e]: prices[e] * 100 for e in titles}

    for query, language in QUERIES:
        parsed = engine.parse(query, language)
        expected = sorted(i for i, held in terms.items() if satisfies(held, parsed))
        if not expected and words is WORDS:
            pytest.fail(f"{query}: the vocabulary should make every query match something")
        assert sorted(await found(deps, query, language=language)) == expected, query
        stocked = await found(deps, query, language=language, filters=Filters(in_stock_only=True))
        assert sorted(stocked) == [i for i in expected if i in in_stock], query
        for low, high in RANGES:
            wanted = Filters(min_price_minor=low, max_price_minor=high)
            ranged = await found(deps, query, language=language, filters=wanted)
            inside = [i for i in expected if (low or 0) <= price[i] <= (high or price[i])]
            assert sorted(ranged) == inside, (query, low, high)
