"""Titles, variant values and category names translated through DeepL or LibreTranslate (the
local fakes, real clients), stored once, searchable and shown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from bot.process import leases
from bot.process.deps import Deps
from bot.services import catalog, products, titles, words
from bot.sync import translation
from bot.sync.jobs import HOLDER, scheduled_titles, translate_titles
from integrations.errors import NotConfigured, Rejected
from integrations.types import Offer, Product, Sku
from tests.integrations.fakes.deepl import AUTH_KEY, FakeDeepL
from tests.integrations.fakes.libretranslate import FakeLibreTranslate
from tests.support import fast_http


def product(ext: str, title: str) -> Product:
    return Product("taobao", ext, title, (Sku(f"{ext}-a", Offer(Decimal("9.90"), "CNY")),))


@pytest.fixture
async def fake() -> AsyncIterator[FakeDeepL]:
    async with FakeDeepL() as server:
        yield server


@pytest.fixture
async def shop(deps: Deps, fake: FakeDeepL) -> AsyncIterator[Deps]:
    """The services with DeepL configured to the fake, over a small catalog."""
    deps.provider_env = {"DEEPL_AUTH_KEY": AUTH_KEY, "DEEPL_API_BASE": fake.base}
    deps.http = fast_http()
    async with deps.sessions.begin() as s:
        await catalog.upsert(
            s, [product("1", "手机壳"), product("2", "保温杯"), product("3", "帆布包")]
        )
    yield deps


async def ids(deps: Deps) -> dict[str, int]:
    async with deps.sessions() as s:
        rows = await catalog.load_index(s, "taobao")
    return {ext: entry.id for ext, entry in rows.known.items()}


async def test_titles_are_translated_once_and_found_in_the_shoppers_language(
    shop: Deps, fake: FakeDeepL
) -> None:
    report = await translate_titles(shop, ["en", "ru"])
    assert report.translated == {"en": 3, "ru": 3} and report.requests == 2
    assert [c.body["target_lang"] for c in fake.calls] == ["EN-US", "RU"]
    known = await ids(shop)
    async with shop.sessions() as s:
        assert await titles.titles(s, [known["2"]], "ru") == {known["2"]: "термос"}
        found = await products.search(s, "холщовая", language="ru")  # not in the dictionary
    assert [h.id for h in found.hits] == [known["3"]]
    assert found.titles == {known["3"]: "холщовая сумка"}
    again = await translate_titles(shop, ["en", "ru"])
    assert again.requests == 0 and len(fake.calls) == 2  # nothing left to translate


async def test_a_changed_title_is_translated_again(shop: Deps, fake: FakeDeepL) -> None:
    await translate_titles(shop, ["en"])
    async with shop.sessions.begin() as s:
        await catalog.upsert(s, [product("1", "保温杯")])  # the listing now sells a thermos
    report = await translate_titles(shop, ["en"])
    assert report.translated == {"en": 1} and fake.calls[-1].texts == ["保温杯"]
    async with shop.sessions() as s:
        found = await products.search(s, "thermos", language="en")
    assert {h.id for h in found.hits} == {(await ids(shop))[e] for e in ("1", "2")}


async def test_a_used_up_quota_keeps_what_was_translated_before(
    shop: Deps, fake: FakeDeepL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(translation, "BATCH", 2)
    fake.quota = 6  # the first batch (2 titles, 6 characters), not the second
    with pytest.raises(Rejected) as refused:
        await translate_titles(shop, ["en"])
    assert refused.value.code == "quota_exceeded"
    async with shop.sessions() as s:
        assert len(await titles.pending(s, "en", 10)) == 1
    fake.quota = None
    assert (await translate_titles(shop, ["en"])).translated == {"en": 1}


async def test_without_a_key_nothing_is_asked(deps: Deps) -> None:
    deps.provider_env = {}
    with pytest.raises(NotConfigured):
        await translate_titles(deps, ["en"])
    assert translation.Report().summary() == (
        "titles translated: none; words: none (0 provider requests)"
    )


async def test_the_scheduled_job_translates_and_survives_a_provider_outage(
    shop: Deps, fake: FakeDeepL, caplog: pytest.LogCaptureFixture
) -> None:
    fake.plan = ["500"] * 10
    await scheduled_titles(shop)  # logged, not raised
    assert "titles not translated" in caplog.text
    fake.plan = []  # DeepL is back
    async with shop.sessions.begin() as s:
        await leases.release(s, "titles", HOLDER)
    await scheduled_titles(shop)
    async with shop.sessions() as s:
        assert await titles.pending(s, "en", 10) == []


async def test_a_self_hosted_libretranslate_translates_when_there_is_no_deepl_key(
    deps: Deps,
) -> None:
    async with FakeLibreTranslate() as lt:
        deps.provider_env = {"LIBRETRANSLATE_URL": lt.base}
        deps.http = fast_http()
        async with deps.sessions.begin() as s:
            await catalog.upsert(s, [product("1", "手机壳"), product("2", "保温杯")])
        report = await translate_titles(deps, ["pt_BR", "zh_Hant"])
        assert report.translated == {"pt_BR": 2, "zh_Hant": 2}
        assert [c.body["target"] for c in lt.calls if c.body] == ["pb", "zt"]
    known = await ids(deps)
    async with deps.sessions() as s:
        assert await titles.titles(s, [known["1"]], "pt_BR") == {known["1"]: "capinha"}
        assert await titles.titles(s, [known["2"]], "zh_Hant") == {known["2"]: "保溫杯"}
        assert await titles.titles(s, [known["1"]], "pt") == {}  # pt_BR is not every pt


async def test_variant_values_shown_and_category_names_are_translated_once_and_stored(
    shop: Deps, fake: FakeDeepL
) -> None:
    fake.glossary |= {"酒红色": {"EN": "burgundy"}, "数码配件": {"EN": "digital accessories"}}
    dressed = Product(
        "taobao", "9", "手机壳", (Sku("9-a", Offer(Decimal("9.90"), "CNY"),
                                     attributes={"color": "酒红色"}),),
        category="数码配件 > 手机壳",
    )  # fmt: skip
    async with shop.sessions.begin() as s:
        await catalog.upsert(s, [dressed])
        await words.want(s, {"酒红色"}, "en")  # what a card shown in English asks for
    await translate_titles(shop, ["en"])
    async with shop.sessions() as s:
        shown = await products.load(s, (await ids(shop))["9"], "en")
        assert shown is not None and shown.words == {"酒红色": "burgundy"}
        assert (await words.lookup(s, {"数码配件"}, "en_GB")) == {
            "数码配件": "digital accessories"
        }  # a category name, asked for by the job itself
        assert await words.pending(s, "en", 10) == []
    requests = len(fake.calls)
    await translate_titles(shop, ["en"])
    assert len(fake.calls) == requests  # nothing translated twice
