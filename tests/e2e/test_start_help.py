"""/start and /help as a shopper sees them, in their language."""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.i18n import translator
from bot.playground.botapi.server import LocalBotApi
from bot.process.deps import Deps
from tests.e2e.harness import Shopper


async def test_start_greets_in_english_and_escapes_the_name(
    shopper: Callable[..., Shopper],
) -> None:
    ann = shopper(first_name="<b>Ann & Co</b>")
    replies = await ann.send("/start")
    assert len(replies) == 1
    text = replies[0].text
    assert text.startswith("👋 Hi, <b>Ann & Co</b>!")  # shown literally, not as bold
    assert "/settings" in text and "/help" in text
    assert not replies[0].entities or all(e["type"] != "bold" for e in replies[0].entities)


async def test_start_greets_in_russian_and_chinese(shopper: Callable[..., Shopper]) -> None:
    ru = await shopper("ru", "Иван").send("/start")
    zh = await shopper("zh-hans", "小明").send("/start")
    assert ru[0].text.startswith("👋") and "Иван" in ru[0].text
    assert any("\u0400" <= ch <= "\u04ff" for ch in ru[0].text.replace("Иван", ""))
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh[0].text.replace("小明", ""))


async def test_start_counts_the_catalog_with_plural_forms(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    from decimal import Decimal

    from bot.services import catalog
    from integrations import types

    def product(i: int) -> types.Product:
        offer = types.Offer(Decimal("9.90"), "CNY")
        return types.Product("demo", f"p{i}", f"商品{i}", (types.Sku(f"s{i}", offer),))

    async with deps.sessions.begin() as s:
        await catalog.upsert(s, [product(1)])
    one = (await shopper("ru").send("/start"))[0].text
    async with deps.sessions.begin() as s:
        await catalog.upsert(s, [product(2), product(3)])
    three = (await shopper("ru").send("/start"))[0].text
    assert "1 товар " in one or "1 товар." in one
    assert "3 товара" in three


async def test_deep_link_payloads_never_break_start(shopper: Callable[..., Shopper]) -> None:
    ann = shopper()
    for payload in ("p_123", "unknown_thing", "x" * 65, "<script>", "a b", "p_" + "9" * 21):
        replies = await ann.send(f"/start {payload}")
        assert len(replies) == 1 and replies[0].text.startswith("👋 Hi")


async def test_help_lists_every_command(shopper: Callable[..., Shopper]) -> None:
    replies = await shopper().send("/help")
    text = replies[0].text
    for command in ("/start", "/help", "/search", "/language", "/settings"):
        assert command in text
    assert replies[0].entities and replies[0].entities[0]["type"] == "bold"


async def test_command_menu_is_published_per_language(botapi: LocalBotApi, app: object) -> None:
    from handlers.commands import publish

    await publish(app.bot)  # type: ignore[attr-defined]
    languages = {key[1] for key in botapi.commands}
    assert {"", "en", "ru", "zh"} <= languages
    default = '{"type": "default"}'
    ru = {c["command"]: c["description"] for c in botapi.commands[(default, "ru")]}
    en = {c["command"]: c["description"] for c in botapi.commands[(default, "en")]}
    assert set(ru) == set(en) == {"start", "help", "search", "categories", "language", "settings",
                                  "cart", "orders", "track", "watches", "mydeals"}  # fmt: skip
    assert ru["help"] != en["help"]


async def test_each_language_code_gets_one_menu_and_profile_and_a_restart_changes_nothing(
    botapi: LocalBotApi, app: object
) -> None:
    from handlers.commands import publish

    await publish(app.bot)  # type: ignore[attr-defined]
    default = '{"type": "default"}'
    codes = {"", "en", "zh", "ru", "es", "pt", "fr", "de", "ja", "ko", "vi", "th", "id", "ms", "ar"}
    assert {key[1] for key in botapi.commands} == codes
    zh = {c["command"]: c["description"] for c in botapi.commands[(default, "zh")]}
    assert zh["cart"] == translator("zh_Hans").gettext("Your cart and checkout")  # not zh_Hant's
    pt = {c["command"]: c["description"] for c in botapi.commands[(default, "pt")]}
    assert pt["cart"] == translator("pt_BR").gettext("Your cart and checkout")
    names = {code: botapi.profile[("name", code)] for code in ("", "ja", "ar", "zh")}
    assert len(set(names.values())) == 4 and all(len(n) <= 64 for n in names.values())
    assert botapi.profile[("short_description", "de")] == translator("de").gettext(
        "Goods from China, delivered to your door."
    )
    assert "Taobao" in botapi.profile[("description", "")]
    sets = len(
        [c for c in botapi.calls if c.method.startswith("setMy") and "Commands" not in c.method]
    )
    await publish(app.bot)  # type: ignore[attr-defined]
    again = [c for c in botapi.calls if c.method.startswith("setMy") and "Commands" not in c.method]
    assert sets >= 3 * 14 and len(again) == sets  # Telegram allows few profile changes a day


async def test_a_traditional_chinese_reader_gets_their_own_menu_in_their_chat(
    shopper: Callable[..., Shopper], botapi: LocalBotApi
) -> None:
    reader = shopper(language_code="zh-hant")
    replies = await reader.send("/start")
    assert "您好" in replies[0].text or "嗨" in replies[0].text or "你好" in replies[0].text
    scope = json.dumps({"chat_id": reader.chat_id, "type": "chat"}, sort_keys=True)
    menu = {c["command"]: c["description"] for c in botapi.commands[(scope, "")]}
    assert menu["cart"] == translator("zh_Hant").gettext("Your cart and checkout")
    simplified = shopper(language_code="zh-hans")
    await simplified.send("/start")
    scope = json.dumps({"chat_id": simplified.chat_id, "type": "chat"}, sort_keys=True)
    assert (scope, "") not in botapi.commands  # the zh menu already is theirs
