"""Variant buttons on the product card, and inline mode."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from telegram import Update

from bot.playground.botapi.server import LocalBotApi
from bot.process.deps import Deps
from bot.search.expand import dictionary
from bot.search.gloss import gloss
from bot.services import words
from bot.telegram.app import ShopbotApplication
from integrations.types import Availability, Offer, Product, Sku
from tests.e2e.harness import Shopper
from tests.support import store


def hoodie() -> Product:
    skus = (
        Sku("h-red-m", Offer(Decimal("89.00"), "CNY"), attributes={"color": "红色", "size": "M"}),
        Sku("h-red-l", Offer(Decimal("92.00"), "CNY"), attributes={"color": "红色", "size": "L"}),
        Sku("h-grey-m", Offer(Decimal("89.00"), "CNY"), availability=Availability.OUT_OF_STOCK,
            attributes={"color": "灰色", "size": "M"}),
    )  # fmt: skip
    return Product("demo", "h", "加绒卫衣女冬季宽松连帽上衣", skus, url="https://shop.example.cn/h")


async def test_variant_buttons_show_each_variants_price_and_stock(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    ids = await store(deps, hoodie())
    ann = shopper("en")
    (card,) = await ann.send(f"/start p_{ids['h']}")
    assert "(CN¥89.00) – ≈ " in card.text and "(CN¥92.00)" in card.text
    assert "3 variants" in card.text
    # the values in the shopper's words; the seller's beside them once a variant is chosen
    assert [b.text for b in card.all_buttons[:3]] == ["Red / M", "Red / L", "Gray / M"]
    await ann.press("Red / L", card)
    assert "CN¥92.00" in ann.last.text and "CN¥89.00" not in ann.last.text
    assert "✓ Colour: Red (红色) · Size: L" in ann.last.text
    assert ann.last.message_id == card.message_id
    await ann.press("Gray / M")
    assert "Out of stock" in ann.last.text
    answer = await ann.press_data(f"sk:{ids['h']}:9", check=False)
    assert answer.text == "This product is no longer available."


async def test_inline_mode_offers_shareable_cards(
    botapi: LocalBotApi, app: ShopbotApplication, deps: Deps
) -> None:
    many = [
        Product(
            "demo", f"c{i}", f"透明手机壳 款式{i}", (Sku(f"c{i}", Offer(Decimal("9.90"), "CNY")),)
        )
        for i in range(60)
    ]
    ids = await store(deps, *many)
    user = botapi.user(4242, language_code="en")
    for text in ("phone case", ""):
        update = botapi.make_inline_query_update(user, text)
        await app.process_update(Update.de_json(update, app.bot))
    answer, empty = botapi.inline_answers[-2:]
    assert len(answer.results) == 50  # Telegram's maximum
    first = answer.results[0]
    assert int(first["id"]) in ids.values()
    button = first["reply_markup"]["inline_keyboard"][0][0]
    assert button["url"].startswith(f"https://t.me/{app.bot.username}?start=p_")
    assert "CN¥9.90" in first["description"]
    assert empty.results == []
    assert answer.is_personal  # in this user's language and currency: never shared


def long_glossed_title() -> str:
    """300 characters of distinct dictionary words, whose English gloss is far longer."""
    chinese = {zh for terms in dictionary()["en"].values() for zh in terms if zh.isalpha()}
    chinese = {zh for zh in chinese if all("\u4e00" <= c <= "\u9fff" for c in zh)}
    wordy = sorted(chinese, key=lambda zh: len(gloss(zh, "en") or "") / len(zh), reverse=True)
    title = ""
    for word in wordy:
        if len(title) + len(word) <= 300 and word not in title:
            title += word
    return title


async def test_a_long_chinese_title_keeps_its_photo(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    title = long_glossed_title()
    assert len(gloss(title, "en") or "") > 1024 - 300  # with the title, over a caption's limit
    sku = Sku("x", Offer(Decimal("9.90"), "CNY"))
    ids = await store(deps, Product("demo", "x", title, (sku,), image_url="https://x.cn/1.jpg"))
    (card,) = await shopper("en").send(f"/start p_{ids['x']}")
    assert card.photo == "https://x.cn/1.jpg"
    assert card.caption is not None and card.caption.startswith(title[:50])


async def test_a_variant_shown_untranslated_is_asked_of_the_provider_then_shown_translated(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    ids = await store(deps, hoodie())
    ru = shopper("ru")
    await ru.send(f"/start p_{ids['h']}")
    async with deps.sessions() as s:
        assert await words.pending(s, "ru", 10) == []  # no provider: the dictionary alone
    deps.provider_env = {"DEEPL_AUTH_KEY": "key"}  # a provider: what it lacks is asked for
    (card,) = await ru.send(f"/start p_{ids['h']}")
    async with deps.sessions.begin() as s:
        assert sorted(await words.pending(s, "ru", 10)) == ["L", "M", "灰色", "红色"]
        await words.store(s, "ru", "deepl", [("红色", "бордовый"), ("灰色", "серый")])
    (card,) = await ru.send(f"/start p_{ids['h']}")
    assert [b.text for b in card.all_buttons[:3]] == ["бордовый / M", "бордовый / L", "серый / M"]
    es = shopper("es")  # Spanish is not in TRANSLATE_LANGUAGES (en, ru): nothing asked
    await es.send(f"/start p_{ids['h']}")
    async with deps.sessions() as s:
        assert await words.pending(s, "es", 10) == []
