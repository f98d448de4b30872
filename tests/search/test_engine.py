"""The search index's bookkeeping and its edges: PostgreSQL's postings kept in step with the
products by triggers, and search behaviour that the PostgreSQL walk and FTS5 must share."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from bot.models import Product as ProductRow
from bot.process.deps import Deps
from bot.search import browse, engine, kernel, postgres, sqlite
from bot.search.tokens import Token, index_terms, price_token
from bot.services import catalog, products, titles
from integrations.types import Product
from tests.support import found, product, store


@pytest.fixture(params=["few", "many"])
def fts_reads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite, FTS5 matches are read oldest first and sorted when the counts say they are
    few, else newest first up to the LIMIT: search must answer the same both ways."""
    if request.param == "many":
        monkeypatch.setattr(sqlite, "FEW", -1)


@pytest.fixture
def postgresql_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's search postings")


async def postings(deps: Deps, product_id: int) -> set[str]:
    async with deps.sessions() as s:
        rows = await s.execute(
            text("SELECT term FROM search_postings WHERE product_id = :id"), {"id": product_id}
        )
        return {row[0] for row in rows}


async def expected(deps: Deps, product_id: int) -> set[str]:
    async with deps.sessions() as s:
        row = (await s.execute(select(ProductRow).where(ProductRow.id == product_id))).scalar_one()
        return set(f"{row.search_terms} {row.translated_terms}".split())


@pytest.mark.usefixtures("postgresql_only")
async def test_postings_follow_inserts_updates_and_deletes(deps: Deps) -> None:
    ids = await store(deps, product("1", "不锈钢保温杯"), product("2", "蓝牙耳机 TWS"))
    first = ids["1"]
    assert (
        await postings(deps, first)
        == await expected(deps, first)
        == set(index_terms("不锈钢保温杯").split()) | {price_token(1000)}  # CN¥10.00
    )
    assert "tws" in await postings(deps, ids["2"])

    # A new title: the old title's tokens go, the new ones come.
    await store(deps, product("1", "大容量保温杯"))
    now = await postings(deps, first)
    assert now == await expected(deps, first)
    assert "不锈" not in now and "容量" in now

    # A price in another band: its band's token replaces the old one.
    await store(deps, product("1", "大容量保温杯", "300.00"))
    now = await postings(deps, first)
    assert price_token(30000) in now and price_token(1000) not in now

    # A translation's words are indexed beside the title's.
    async with deps.sessions.begin() as s:
        await titles.store(s, "en", "test", [(first, "大容量保温杯", "Large thermos cup")])
    assert {"large", "thermos", "cup"} <= await postings(deps, first)
    assert await found(deps, "thermos") == [first]

    # An update that leaves the terms alone does not touch the postings.
    async with deps.sessions() as s:
        before = (await s.execute(text("SELECT min(xmin::text) FROM search_postings"))).scalar()
    async with deps.sessions.begin() as s:
        await s.execute(update(ProductRow).where(ProductRow.id == first).values(price_minor=1))
    async with deps.sessions() as s:
        after = (await s.execute(text("SELECT min(xmin::text) FROM search_postings"))).scalar()
    assert after == before

    async with deps.sessions.begin() as s:
        await s.execute(delete(ProductRow).where(ProductRow.id == first))
    assert await postings(deps, first) == set()
    assert await postings(deps, ids["2"]) != set()

    async with deps.sessions.begin() as s:
        await s.execute(text("TRUNCATE products CASCADE"))
    async with deps.sessions() as s:
        assert (await s.execute(text("SELECT count(*) FROM search_postings"))).scalar() == 0


@pytest.mark.usefixtures("fts_reads")
async def test_a_stale_count_costs_time_never_a_result(deps: Deps) -> None:
    await store(deps, product("1", "手机壳 透明"))
    assert len(await found(deps, "透明")) == 1  # counted: one product, cached
    await store(deps, *(product(str(n), f"透明 水杯 {n}") for n in range(2, 40)))
    assert len(await found(deps, "透明")) == 39

    # "Nothing has it" is never cached: a product synced a moment later is found.
    assert await found(deps, "zzqx") == []
    ids = await store(deps, product("zz", "zzqx 收纳盒"))
    assert await found(deps, "zzqx") == [ids["zz"]]


@pytest.mark.usefixtures("fts_reads")
@pytest.mark.parametrize("branches", [postgres.MAX_BRANCHES, 1])
async def test_a_word_typed_is_found_in_every_word_it_begins(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, branches: int
) -> None:
    # More words than the postgres walk takes one by one, then fewer, then (with one branch allowed)
    # every prefix read as a range: they all agree.
    monkeypatch.setattr(postgres, "MAX_BRANCHES", branches)
    count = postgres.MAX_TERMS + 4
    ids = await store(deps, *(product(str(n), f"qvx{n:02d} 杯子") for n in range(count)))
    assert set(await found(deps, "qvx")) == set(ids.values())
    assert set(await found(deps, "qvx1")) == {ids[str(n)] for n in range(10, 20)}
    assert await found(deps, "qvx07") == [ids["7"]]


@pytest.mark.usefixtures("fts_reads")
async def test_a_word_of_one_or_two_characters_matches_whole_words(deps: Deps) -> None:
    ids = await store(
        deps, product("c", "type c 数据线"), product("case", "case 手机"), product("a5", "a5 a50")
    )
    assert await found(deps, "c") == [ids["c"]]
    assert await found(deps, "a5") == [ids["a5"]]
    assert await found(deps, "cas") == [ids["case"]]


@pytest.mark.usefixtures("fts_reads")
async def test_products_match_whole_alternatives_and_are_listed_once(deps: Deps) -> None:
    # "phone case" means the English words or 手机壳 / 手机套 (the term dictionary): this
    # product holds all of them, and each holds another.
    ids = await store(
        deps,
        product("1", "phone case 手机壳 手机套"),
        product("2", "手机壳 硅胶"),
        product("3", "phone case leather"),
        product("4", "手机套 防摔"),
        # one of the words each: the PostgreSQL walk reads one word's postings (the longer,
        # "phone", among equal counts) and must check the row for the other
        product("5", "phone stand"),
        product("6", "case for glasses"),
    )
    hits = await found(deps, "phone case")
    assert sorted(hits) == sorted(ids[n] for n in "1234")


@pytest.mark.usefixtures("fts_reads")
async def test_a_walked_token_two_alternatives_share_needs_the_rest_of_either(deps: Deps) -> None:
    """ "phone case" is 手机壳 or 手机套 (among others, which no product here holds): the
    PostgreSQL walk reads 手机 once for both, and each row must show 机壳 or 机套 too."""
    ids = await store(
        deps,
        product("shell", "手机壳 透明"),
        product("sleeve", "手机套 硅胶"),
        product("stand", "手机 支架"),
        *(product(f"parts{n}", f"机壳 机套 配件 {n}") for n in range(3)),  # 手机 is the rarest
    )
    assert sorted(await found(deps, "phone case")) == sorted([ids["shell"], ids["sleeve"]])


@pytest.mark.usefixtures("fts_reads")
async def test_price_order_and_filters_over_many_matches(deps: Deps) -> None:
    await store(deps, *(product(str(n), f"保温杯 {n}", f"{n}.00") for n in range(1, 61)))
    cheapest = await found(deps, "保温杯", sort=engine.Sort.PRICE_UP)
    dearest = await found(deps, "保温杯", sort=engine.Sort.PRICE_DOWN)
    assert len(cheapest) == len(dearest) == 60
    assert cheapest == dearest[::-1]
    narrow = engine.Filters(min_price_minor=2000, max_price_minor=2500)
    assert len(await found(deps, "保温杯", filters=narrow)) == 6


@pytest.mark.usefixtures("fts_reads")
async def test_a_product_left_out_by_one_alternative_is_found_by_another(deps: Deps) -> None:
    # "phone case" is 手机壳 or 保护壳 (among others). The PostgreSQL walk reads 机壳, the
    # rarer half of 手机壳, checking 手机 in the index; the last product holds 机壳 without
    # 手机, and must still come through 保护壳.
    ids = await store(
        deps,
        *(product(f"s{n}", f"手机支架 {n}") for n in range(5)),
        product("c1", "手机壳 透明"),
        product("c2", "手机壳 磨砂"),
        product("z", "机壳 保护壳"),
    )
    assert set(await found(deps, "phone case")) == {ids["c1"], ids["c2"], ids["z"]}


def test_the_walk_checks_on_the_row_only_what_its_index_checks_left_unproved() -> None:
    # A branch walks an alternative's rarest token and probes the next in the index; the row
    # of a product it yields is checked for the rest of that alternative only (nothing when
    # the branch is "whole"), and the other units are checked whole.
    def rests(query: str, language: str) -> tuple[int, list[list[list[str]]]]:
        parsed = engine.parse(query, language)
        counts = {t: 10 + len(t.text) for unit in parsed for alt in unit for t in alt}
        driving, branches = postgres._driver(parsed, counts)
        return driving, [[[t.text for t in rest] for rest in b.rests] for b in branches]

    assert rests("手机壳", "zh") == (0, [[[]]])  # 手机 walked, 机壳 probed
    assert rests("保温杯大容量", "zh") == (0, [[["杯大", "大容", "容量"]]])  # five pairs, one probe
    assert rests("iphone", "en") == (0, [[[]], [[]]])  # the word, or 苹果
    _, phone_case = rests("phone case", "en")  # a prefix is never probed
    assert phone_case[0] == [["phone"]]  # "case" walked, "phone" left to the row
    # 手机壳 and 手机套 both walk 手机 and probe different pairs: each row shows its own
    assert phone_case[1] == [["机壳"], ["机套"]]
    assert [] in phone_case[2]  # 保护壳: 保护 walked, 护壳 probed
    # "hoodie women": the unit with the fewest products drives, the other is checked whole
    hoodie, women = engine.parse("hoodie women", "en")
    counts = {t: 100 for alt in hoodie for t in alt} | {t: 1 for alt in women for t in alt}
    assert postgres._driver([hoodie, women], counts)[0] == 1


def test_a_token_walked_for_two_alternatives_leaves_each_its_own_rest() -> None:
    a, b, c, d = (Token(t) for t in ("甲乙", "乙丙", "丙丁", "丁戊"))
    counts = {a: 1, b: 5, c: 6, d: 7}
    # Both alternatives walk 甲乙; they probe different pairs, so the index checks neither and
    # each alternative's row check gets its probe back.
    _, (branch,) = postgres._driver([[[a, b, d], [a, c]]], counts)
    assert branch.token == a and branch.probes == ()
    assert {frozenset(rest) for rest in branch.rests} == {frozenset((b, d)), frozenset((c,))}
    assert not branch.whole


@pytest.mark.usefixtures("postgresql_only")
async def test_products_several_branches_yield_count_once_toward_the_limit(deps: Deps) -> None:
    """Each product holds "phone case" in words and as 手机壳: two branches of the walk yield it.
    A repeat must not take a place of the LIMIT."""
    await store(deps, *(product(str(n), f"phone case 手机壳 {n}") for n in range(6)))
    query = engine.parse("phone case", "en")
    async with deps.sessions() as s:
        rows = await postgres.candidates(s, query, engine.NO_FILTERS, 4)
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)) == 4
    assert ids == sorted(ids, reverse=True)


async def test_a_search_inside_a_writing_transaction_sees_its_own_rows(deps: Deps) -> None:
    """Search reads on the session's own driver connection, inside its transaction when it has
    one: what the transaction wrote is found, and is gone after a rollback."""
    async with deps.sessions() as s:
        await catalog.upsert(s, [product("1", "手机壳 透明")])
        assert len((await products.search(s, "手机壳", language="zh")).hits) == 1
        await s.rollback()
    assert await found(deps, "手机壳", language="zh") == []


async def test_a_driver_error_in_a_search_statement_is_sqlalchemys_dbapierror(deps: Deps) -> None:
    async with deps.sessions() as s:
        sql = kernel.for_session(s)
        with pytest.raises(DBAPIError) as raised:
            await sql.fetch(s, f"SELECT id FROM no_such_table WHERE id = {sql(1)}")
    assert "no_such_table" in str(raised.value)


@pytest.mark.usefixtures("fts_reads")
async def test_relevance_orders_by_tokens_held_then_stock_then_title_length_then_newest(
    deps: Deps,
) -> None:
    """A query "iphone" is the word or 苹果 (the term dictionary): holding both ranks first, then in
    stock before out of stock, shorter titles first, and the newer of two equals first."""
    ids = await store(
        deps,
        product("older", "苹果手机壳"),
        product("both", "iPhone 苹果 手机壳 加长加长加长的标题"),
        product("gone", "苹果手机壳", stock=False),
        product("longer", "苹果手机壳加厚"),
        product("newer", "苹果手机壳"),
    )
    expected = ["both", "newer", "older", "longer", "gone"]
    assert await found(deps, "iphone", language="en") == [ids[e] for e in expected]
    newest = await found(deps, "iphone", language="en", sort=engine.Sort.NEWEST)
    assert newest == sorted(ids.values(), reverse=True)


async def test_a_stored_translation_counts_toward_relevance(deps: Deps) -> None:
    """A query "phone case" is the words or 手机 机壳 (the term dictionary): the product whose stored
    English title holds the words too ranks above a newer one that holds the pairs only."""
    ids = await store(deps, product("translated", "手机壳"), product("plain", "手机壳"))
    assert await found(deps, "phone case", language="en") == [ids["plain"], ids["translated"]]
    async with deps.sessions.begin() as s:
        await titles.store(s, "en", "deepl", [(ids["translated"], "手机壳", "Phone case")])
    assert await found(deps, "phone case", language="en") == [ids["translated"], ids["plain"]]


@pytest.mark.parametrize("paths", [browse.BROWSE_PATHS, 1, 0])
async def test_browsing_a_category_gives_its_newest_products_however_it_is_read(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, paths: int
) -> None:
    """SQLite merges the newest of each category path under the one browsed, up to
    BROWSE_PATHS paths, else reads the branch whole: the same newest products either way.
    With 1 path allowed, the branches of two paths (家居, 文具) are read whole."""
    monkeypatch.setattr(engine, "CANDIDATES", 3)
    monkeypatch.setattr(browse, "BROWSE_PATHS", paths)

    def shelved(ext: str, category: str, stock: bool = True) -> Product:
        return product(ext, f"商品 {ext}", category=category, stock=stock)

    ids = await store(
        deps,
        *(shelved(f"a{n}", "家居 > 香氛") for n in range(5)),
        shelved("sold", "家居 > 香氛", stock=False),
        *(shelved(f"b{n}", "玩具 > 积木") for n in range(4)),
        shelved("top", "家居"),
        shelved("w0", "文具"),
        shelved("w1", "文具 > 笔"),
        shelved("wrong", "文具 !x"),  # sorts between 文具 and its branches, and is not one
    )

    async def browsed(category: str, **wanted: Any) -> list[int]:
        async with deps.sessions() as s:
            found = await products.search(
                s, "", filters=engine.Filters(category=category, **wanted), sort=engine.Sort.NEWEST
            )
        return [h.id for h in found.hits]

    assert await browsed("家居") == [ids["top"], ids["sold"], ids["a4"]]
    assert await browsed("家居 > 香氛", in_stock_only=True) == [ids["a4"], ids["a3"], ids["a2"]]
    assert await browsed("玩具") == [ids["b3"], ids["b2"], ids["b1"]]
    assert await browsed("文具") == [ids["w1"], ids["w0"]]


@pytest.mark.parametrize("sorted_at_most", [browse.BROWSE_SORTED, 0])
async def test_browsing_in_a_price_range_gives_the_newest_products_in_it(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, sorted_at_most: int
) -> None:
    """A category path with few products in the range has them read by price and sorted; one
    with more is walked newest first with the price checked: the same products either way
    (with 0, every path holding any product in the range is walked)."""
    monkeypatch.setattr(engine, "CANDIDATES", 2)
    monkeypatch.setattr(browse, "BROWSE_SORTED", sorted_at_most)
    prices = {"c0": "5.00", "c1": "50.00", "c2": "8.00", "c3": "60.00", "c4": "9.00"}
    ids = await store(
        deps,
        *(product(e, f"香薰 {e}", p, category="家居 > 香氛") for e, p in prices.items()),
        product("d0", "收纳盒", "70.00", category="家居 > 收纳"),
        product("d1", "收纳袋", "7.00", category="家居 > 收纳"),
    )

    async def browsed(category: str, low: int | None, high: int | None) -> list[str]:
        wanted = engine.Filters(category=category, min_price_minor=low, max_price_minor=high)
        async with deps.sessions() as s:
            found = await products.search(s, "", filters=wanted, sort=engine.Sort.NEWEST)
        named = {v: k for k, v in ids.items()}
        return [named[h.id] for h in found.hits]

    assert await browsed("家居", None, 1000) == ["d1", "c4"]  # of d1, c4, c2, c0
    assert await browsed("家居", 4000, None) == ["d0", "c3"]  # of d0, c3, c1
    assert await browsed("家居 > 香氛", 800, 5500) == ["c4", "c2"]  # of c4, c2, c1
    assert await browsed("家居 > 收纳", 10000, None) == []


@pytest.mark.usefixtures("fts_reads")
async def test_price_order_ranks_the_same_results_and_the_price_filter_reaches_all(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every order ranks the newest CANDIDATES matches (the cheapest of a million matches
    would read them all); the price filter narrows over every match."""
    monkeypatch.setattr(engine, "CANDIDATES", 3)
    ids = await store(
        deps,
        product("old-cheap", "保温杯 旧", "1.00"),
        product("mid", "保温杯 中", "50.00"),
        product("dear", "保温杯 贵", "90.00"),
        product("cheap", "保温杯 新", "20.00"),
    )
    newest = [ids["cheap"], ids["dear"], ids["mid"]]
    assert await found(deps, "保温杯", sort=engine.Sort.NEWEST) == newest
    assert await found(deps, "保温杯", sort=engine.Sort.PRICE_UP) == [
        ids["cheap"], ids["mid"], ids["dear"]
    ]  # fmt: skip
    assert await found(deps, "保温杯", sort=engine.Sort.PRICE_DOWN) == [
        ids["dear"], ids["mid"], ids["cheap"]
    ]  # fmt: skip
    under_ten = engine.Filters(max_price_minor=1000)
    assert await found(deps, "保温杯", filters=under_ten, sort=engine.Sort.PRICE_UP) == [
        ids["old-cheap"]
    ]


@pytest.mark.usefixtures("fts_reads")
async def test_a_long_chinese_query_needs_every_pair(deps: Deps) -> None:
    """手机壳透明 is 手机 机壳 壳透 透明. The PostgreSQL walk proves the rarest pairs from its
    index and checks the rest on the row: a product lacking 透明 is not a match."""
    ids = await store(
        deps,
        product("yes", "手机壳透明保护套"),
        product("no", "手机壳透 硅胶"),
        *(product(f"cup{n}", f"透明 水杯 {n}") for n in range(3)),
    )
    assert await found(deps, "手机壳透明", language="zh") == [ids["yes"]]
