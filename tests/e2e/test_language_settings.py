"""/language and /settings: choices are stored and win over Telegram's language_code."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event

from bot.i18n import translator
from bot.models import User
from bot.playground.botapi.server import LocalBotApi
from bot.process.deps import Deps
from tests.e2e.harness import Shopper


async def test_language_choice_is_stored_and_wins(
    shopper: Callable[..., Shopper], deps: Deps, botapi: LocalBotApi
) -> None:
    ann = shopper("en")
    (menu,) = await ann.send("/language")
    assert [b.text for b in menu.all_buttons] == [
        "✓ English", "العربية", "Deutsch", "Español", "Français", "Bahasa Indonesia", "日本語",
        "한국어", "Bahasa Melayu", "Português (Brasil)", "Русский", "ไทย", "Tiếng Việt",
        "中文 (简体)", "中文 (繁體)",
    ]  # fmt: skip
    answer = await ann.press("Русский")
    assert answer.text is None and not answer.show_alert
    assert ann.last.message_id == menu.message_id  # edited in place
    assert ann.last.text == "Выбран язык: Русский"
    async with deps.sessions() as s:
        user = await s.get(User, ann.user.id)
    assert user is not None and user.language == "ru" and user.telegram_language == "en"
    (help_reply,) = await ann.send("/help")
    assert help_reply.text.startswith(translator("ru").gettext("What I can do"))
    scope = [k for k in botapi.commands if '"chat"' in k[0] and str(ann.chat_id) in k[0]]
    assert scope, "the chat's command menu follows the chosen language"


async def test_settings_currency_and_country(shopper: Callable[..., Shopper], deps: Deps) -> None:
    ann = shopper("en")
    (screen,) = await ann.send("/settings")
    assert "Currency: US Dollar (USD)" in screen.text and "Ship to: not set" in screen.text
    await ann.press("Currency")
    assert "currency" in ann.last.text.lower()
    assert "✓ USD" in [b.text for b in ann.last.all_buttons]  # the current choice
    await ann.press("EUR")
    assert "Currency: Euro (EUR)" in ann.last.text
    await ann.press("Currency")
    ticked = [b.text for b in ann.last.all_buttons if b.text.startswith("✓")]
    assert ticked == ["✓ EUR"]
    await ann.press("« Back")
    await ann.press("Country")
    pages = 0
    while not any(b.text == "Japan" for b in ann.last.all_buttons):
        await ann.press("›")
        pages += 1
        assert pages < 5
    await ann.press("Japan")
    assert "Ship to: Japan" in ann.last.text
    await ann.press("Country")  # opens on the chosen country's page, ticked
    assert "✓ Japan" in [b.text for b in ann.last.all_buttons]
    await ann.press("« Back")
    assert len(ann.seen) == 1  # one screen, edited in place
    async with deps.sessions() as s:
        user = await s.get(User, ann.user.id)
    assert user is not None and (user.currency, user.country) == ("EUR", "JP")


async def test_language_button_in_settings_opens_the_choices(
    shopper: Callable[..., Shopper],
) -> None:
    ann = shopper("en")
    await ann.send("/settings")
    await ann.press("Language")
    assert ann.last.text == "Choose your language:"
    await ann.press("中文 (简体)")
    assert ann.last.text == "语言已设置为：中文 (简体)"
    assert len(ann.seen) == 1


async def test_country_sets_the_default_currency(shopper: Callable[..., Shopper]) -> None:
    ann = shopper("en")
    await ann.send("/settings")
    await ann.press("Country")
    await ann.press("Germany")
    assert "Currency: Euro (EUR)" in ann.last.text


async def test_settings_speak_the_users_language(shopper: Callable[..., Shopper]) -> None:
    (screen,) = await shopper("zh-hans").send("/settings")
    assert "美元" in screen.text  # currency names come from CLDR in the user's locale
    (screen,) = await shopper("ru").send("/settings")
    assert translator("ru").gettext("Currency: {value}").format(value="") in screen.text
    assert "доллар США" in screen.text and "Your settings" not in screen.text


async def test_forged_and_stale_buttons_get_a_polite_answer(
    shopper: Callable[..., Shopper],
) -> None:
    ann = shopper("en")
    await ann.send("/settings")
    for data in ("cfg:cur:XXX", "cfg:cty:ZZ", "lang:xx_YY"):
        answer = await ann.press_data(data, check=False)
        assert answer.show_alert and "not available" in (answer.text or "")
    for data in ("nonsense", "cfg:cur:usd", "p:99999", "🙂" * 16):
        answer = await ann.press_data(data, check=False)
        assert answer.text == "This button is no longer valid."
    assert "Currency: US Dollar (USD)" in ann.last.text


async def test_a_known_shopper_costs_no_user_query_per_message(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    ann = shopper("en")
    await ann.send("/help")  # first contact: recorded
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(deps.engine.sync_engine, "before_cursor_execute", record)
    try:
        for _ in range(3):
            await ann.send("/help")
    finally:
        event.remove(deps.engine.sync_engine, "before_cursor_execute", record)
    assert not [s for s in statements if "users" in s]


async def test_time_zone_is_the_countrys_until_another_is_chosen(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    ann = shopper("en")
    (screen,) = await ann.send("/settings")
    assert "Time zone: UTC" in screen.text  # no country yet
    await ann.press("Country")
    await ann.press("United States")
    assert "Time zone: New York · GMT-0" in ann.last.text  # -05:00 or -04:00 in summer
    await ann.press("Time zone")
    choices = [b.text for b in ann.last.all_buttons]
    assert any(c.startswith("✓ New York") for c in choices)
    assert any(c.startswith("Los Angeles") for c in choices) and "UTC" in choices
    await ann.press(next(c for c in choices if c.startswith("Los Angeles")))
    assert "Time zone: Los Angeles · GMT-0" in ann.last.text
    async with deps.sessions() as s:
        user = await s.get(User, ann.user.id)
    assert user is not None and user.time_zone == "America/Los_Angeles"
    answer = await ann.press_data("cfg:tz:Europe/Atlantis", check=False)
    assert answer.show_alert and "not available" in (answer.text or "")
