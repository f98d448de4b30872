"""Searching the catalog in chat: any length of Chinese, other languages, paging, the card."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.models import Product as ProductRow
from bot.process.deps import Deps
from bot.search.engine import Filters, Sort
from bot.services import catalog, products, titles
from integrations.types import Availability, Offer, Product, Sku
from tests.e2e.harness import Shopper

TITLES = [
    ("1", "适用苹果15手机壳透明硅胶防摔全包软壳", "39.90", Availability.IN_STOCK),
    ("2", "华为Mate60手机壳磨砂保护套", "19.90", Availability.IN_STOCK),
    ("3", "加绒卫衣女冬季宽松连帽上衣", "89.00", Availability.IN_STOCK),
    ("4", "不锈钢保温杯大容量便携", "59.00", Availability.OUT_OF_STOCK),
    ("5", "iPhone 15 Pro 钢化膜 防窥", "9.90", Availability.IN_STOCK),
]


def product(ext: str, title: str, price: str, availability: Availability) -> Product:
    sku = Sku(f"{ext}-a", Offer(Decimal(price), "CNY"), availability=availability)
    return Product("demo", ext, title, (sku,), url=f"https://shop.example.cn/{ext}")


@pytest.fixture
async def catalog_rows(deps: Deps) -> dict[str, int]:
    async with deps.sessions.begin() as s:
        await catalog.upsert(s, [product(*row) for row in TITLES])
    async with deps.sessions() as s:
        return dict((await s.execute(select(ProductRow.external_id, ProductRow.id))).all())


async def found(deps: Deps, query: str, **kw: object) -> list[str]:
    async with deps.sessions() as s:
        results = await products.search(s, query, **kw)  # type: ignore[arg-type]
    ids = {v: k for k, v in (await _ids(deps)).items()}
    return [ids[h.id] for h in results.hits]


async def _ids(deps: Deps) -> dict[str, int]:
    async with deps.sessions() as s:
        return dict((await s.execute(select(ProductRow.external_id, ProductRow.id))).all())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("手机壳", {"1", "2"}),
        ("手机", {"1", "2"}),  # two characters: below any trigram index
        ("壳", {"1", "2"}),  # one character
        ("保温杯", {"4"}),
        ("卫衣 女", {"3"}),
        ("iphone", {"1", "5"}),  # 苹果 (Apple) through the term dictionary
        ("IPHONE 15", {"1", "5"}),
        ("钢化", {"5"}),
    ],
)
async def test_chinese_and_latin_queries(
    deps: Deps, catalog_rows: dict[str, int], query: str, expected: set[str]
) -> None:
    assert set(await found(deps, query)) == expected


async def test_filters_and_sorting(deps: Deps, catalog_rows: dict[str, int]) -> None:
    assert await found(deps, "手机壳", sort=Sort.PRICE_UP) == ["2", "1"]
    assert await found(deps, "杯", filters=Filters(in_stock_only=True)) == []
    cheap = Filters(max_price_minor=2000)
    assert await found(deps, "手机壳", filters=cheap) == ["2"]


@pytest.mark.parametrize(
    "query", ['" * ( ) : - OR NEAR', "手机壳 OR NOT", "🙂🙂", "x" * 4096, "", "   ", "AND"]
)
async def test_hostile_queries_never_fail(
    deps: Deps, catalog_rows: dict[str, int], query: str
) -> None:
    await found(deps, query)  # no exception is the point: FTS syntax never reaches the index


async def test_search_in_chat_pages_and_opens_a_card(
    shopper: Callable[..., Shopper], deps: Deps, catalog_rows: dict[str, int]
) -> None:
    async with deps.sessions.begin() as s:
        await catalog.upsert(
            s,
            [product(f"x{i}", f"手机壳 款式{i}", "5.00", Availability.IN_STOCK) for i in range(12)],
        )
    ann = shopper("en")
    (results,) = await ann.send("手机壳")
    assert results.text.startswith("14 products found for “手机壳”")
    assert "Page 1 of 3" in results.text
    await ann.press("›")
    assert "Page 2 of 3" in ann.last.text and ann.last.message_id == results.message_id
    await ann.press("Cheapest")
    assert "Page 1 of 3" in ann.last.text and "¥5.00" in ann.last.text.splitlines()[1]
    await ann.press("1")
    card = ann.last
    assert (card.caption or card.text).startswith("手机壳 款式") and "¥5.00" in card.text
    await ann.press("« Back to results", card)  # the card goes, the results stay above
    assert [m.message_id for m in ann.seen] == [results.message_id]


async def test_nothing_found_suggests_what_to_try(
    shopper: Callable[..., Shopper], catalog_rows: dict[str, int]
) -> None:
    (reply,) = await shopper().send("zzqqxx")
    assert reply.text.startswith("Nothing found for “zzqqxx”.")
    assert reply.reply_to_message_id is not None  # quotes what was asked
    (reply,) = await shopper().send("<b>zz&qq</b>")
    assert reply.text.startswith("Nothing found for “<b>zz&qq</b>”.")  # shown as typed
    (prompt,) = await shopper().send("/search")
    assert prompt.text.startswith("What are you looking for?")
    (long,) = await shopper().send("壳" * 150)
    assert long.text.startswith("Nothing found for “" + "壳" * 79 + "…”.")


async def test_deep_link_and_stale_buttons(
    shopper: Callable[..., Shopper], catalog_rows: dict[str, int]
) -> None:
    ann = shopper()
    (card,) = await ann.send(f"/start p_{catalog_rows['3']}")
    assert card.text.startswith("加绒卫衣女冬季宽松连帽上衣")
    (fallback,) = await ann.send("/start p_999999")
    assert fallback.text.startswith("👋 Hi")
    await ann.send("手机壳")
    answer = await ann.press_data("pv:999999", check=False)
    assert answer.text == "This product is no longer available."
    answer = await ann.press_data("sr:0:x:1", check=False)
    assert answer.text == "This button is no longer valid."


@pytest.mark.parametrize(
    ("query", "language", "expected"),
    [
        ("phone case", "en", {"1", "2"}),
        ("Phone Cases", "en", {"1", "2"}),
        ("hoodie", "en", {"3"}),
        ("thermos", "en", {"4"}),
        ("чехол", "ru", {"1", "2"}),
        ("толстовка", "ru", {"3"}),
        ("phone case", "ru", {"1", "2"}),  # English works whatever the shopper's language
        # The query's language comes from the query, not from the interface:
        ("чехол", "en", {"1", "2"}),
        ("sudadera", "en", {"3"}),
        ("funda", "de", {"1", "2"}),
        ("Handyhülle", "fr", {"1", "2"}),
        ("capinha", "ja", {"1", "2"}),
        ("手機殼", "en", {"1", "2"}),  # Traditional characters find Simplified titles
        ("保溫杯", "zh_Hant", {"4"}),
        ("ốp điện thoại", "en", {"1", "2"}),
        ("スマホケース", "en", {"1", "2"}),
        ("เคสโทรศัพท์", "en", {"1", "2"}),
        ("폰케이스", "en", {"1", "2"}),
        ("casing hp", "en", {"1", "2"}),
        ("حافظة هاتف", "en", {"1", "2"}),
        ("حافظه الهاتف", "en", {"1", "2"}),  # ta marbuta typed as ha, with the article
    ],
)
async def test_queries_in_other_languages_find_chinese_titles(
    deps: Deps, catalog_rows: dict[str, int], query: str, language: str, expected: set[str]
) -> None:
    assert set(await found(deps, query, language=language)) >= expected


async def test_english_search_in_chat(
    shopper: Callable[..., Shopper], catalog_rows: dict[str, int]
) -> None:
    ann = shopper("en")
    (results,) = await ann.send("phone case")
    lines = results.text.splitlines()
    assert any(line.startswith("1. Huawei Mate60 case") for line in lines)  # in English
    assert any("Compatible apple 15 case clear silicone" in line for line in lines)
    await ann.press("1")
    card = ann.last.text
    assert card.startswith("华为Mate60手机壳磨砂保护套\nHuawei Mate60 case matte cover")
    (ru,) = await shopper("ru").send("чехол")
    assert "Хуавей Mate60" in ru.text
    (typed,) = await shopper("en").send("чехол")  # Russian typed, English read
    assert "1. Huawei Mate60 case" in typed.text


async def test_a_traditional_chinese_reader_sees_titles_in_traditional_characters(
    shopper: Callable[..., Shopper], catalog_rows: dict[str, int]
) -> None:
    reader = shopper("zh-hant")
    (results,) = await reader.send("保溫杯")
    assert "不鏽鋼保溫杯大容量便攜" in results.text
    await reader.press("1")
    assert reader.last.text.startswith("不锈钢保温杯大容量便携\n不鏽鋼保溫杯大容量便攜")


async def test_results_flag_promotions(
    shopper: Callable[..., Shopper], deps: Deps, catalog_rows: dict[str, int]
) -> None:
    from datetime import UTC, datetime, timedelta

    from integrations.types import Promotion

    now = datetime.now(UTC)
    promo = Promotion(Decimal("49.00"), "CNY", now - timedelta(days=1), now + timedelta(days=1))
    sku = Sku("t-a", Offer(Decimal("59.00"), "CNY", promo))
    async with deps.sessions.begin() as s:
        await catalog.upsert(s, [Product("demo", "t", "膳魔师保温杯", (sku,))])
    (results,) = await shopper().send("保温杯")
    sale = [line for line in results.text.splitlines() if "49.00" in line]
    assert sale and "🔥" in sale[0]
    assert all("🔥" not in line for line in results.text.splitlines() if "59.00" in line)


async def test_stored_translations_are_shown_and_searchable(
    shopper: Callable[..., Shopper], deps: Deps, catalog_rows: dict[str, int]
) -> None:
    cup = catalog_rows["4"]
    assert await found(deps, "flask", language="en") == []  # not in the dictionary
    async with deps.sessions.begin() as s:
        await titles.store(s, "en", "deepl", [(cup, TITLES[3][1], "Stainless steel flask, large")])
    assert await found(deps, "flask", language="en") == ["4"]
    assert await found(deps, "FLASK stainless", language="en") == ["4"]
    ann = shopper("en")
    (results,) = await ann.send("flask")
    assert "1. Stainless steel flask, large" in results.text
    await ann.press("1")
    card = ann.last.caption or ann.last.text
    assert card.splitlines()[:2] == [TITLES[3][1], "Stainless steel flask, large"]
    (ru,) = await shopper("ru").send("保温杯")  # no Russian translation: the dictionary's gloss
    assert "Stainless steel flask" not in ru.text


async def test_a_changed_title_drops_its_translation(
    deps: Deps, catalog_rows: dict[str, int]
) -> None:
    cup = catalog_rows["4"]
    async with deps.sessions.begin() as s:
        await titles.store(s, "en", "deepl", [(cup, TITLES[3][1], "Steel flask")])
    async with deps.sessions.begin() as s:
        await catalog.upsert(s, [product("4", "不锈钢保温杯 新款", "59.00", Availability.IN_STOCK)])
    async with deps.sessions() as s:
        assert await titles.titles(s, [cup], "en") == {}
        assert (cup, "不锈钢保温杯 新款") in await titles.pending(s, "en", 10)  # to do again


async def test_an_arabic_reader_gets_chinese_query_and_prices_isolated_in_the_sentence(
    shopper: Callable[..., Shopper], catalog_rows: dict[str, int]
) -> None:
    (results,) = await shopper("ar").send("手机壳")
    heading = results.text.splitlines()[0]
    assert "\u2068手机壳\u2069" in heading and "\u2068" + "2" + "\u2069" in heading
    assert heading != "2 products found for “手机壳”"  # in Arabic
