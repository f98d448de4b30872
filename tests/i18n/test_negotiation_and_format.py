from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot import i18n
from bot.i18n import negotiate, translator


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (("ru",), "ru"),
        (("ru-RU",), "ru"),
        (("zh-hans",), "zh_Hans"),
        (("zh-cn",), "zh_Hans"),
        (("zh",), "zh_Hans"),
        (("zh-hant",), "zh_Hant"),
        (("zh-tw",), "zh_Hant"),  # Taiwan, Hong Kong and Macau read Traditional
        (("zh-hk",), "zh_Hant"),
        (("zh-sg",), "zh_Hans"),
        (("pt-br",), "pt_BR"),
        (("pt",), "pt_BR"),  # same language, the region shipped beats English
        (("pt-pt",), "pt_BR"),
        (("in",), "id"),  # Indonesian's old code, still sent by some Android builds
        (("ar-EG",), "ar"),
        (("he",), "en"),
        (("xx-YY",), "en"),
        ((None, "ru"), "ru"),
        (("en", "ru"), "en"),  # a stored choice wins over Telegram's language_code
        (("", None), "en"),
        (("<script>",), "en"),
    ],
)
def test_negotiation(tags: tuple[str | None, ...], expected: str) -> None:
    assert negotiate(*tags) == expected


def test_negotiation_walks_region_then_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "available_locales", lambda: ("en", "pt", "pt_BR"))
    assert negotiate("pt-br") == "pt_BR"
    assert negotiate("pt-pt") == "pt"
    monkeypatch.setattr(i18n, "available_locales", lambda: ("en", "pt"))
    assert negotiate("pt-br") == "pt"


def test_shipped_locales() -> None:
    assert set(i18n.available_locales()) == {
        "en", "zh_Hans", "zh_Hant", "ru", "es", "pt_BR", "fr", "de", "ja", "ko", "vi", "th",
        "id", "ms", "ar",
    }  # fmt: skip
    assert i18n.available_locales()[0] == "en"


def test_russian_plural_forms() -> None:
    t = translator("ru")
    forms = [
        t.ngettext(
            "There is {n} product in the catalog.", "There are {n} products in the catalog.", n
        )
        for n in (1, 3, 5, 21)
    ]
    assert forms[0] == forms[3]
    assert len({forms[0], forms[1], forms[2]}) == 3


def test_translation_differs_from_source() -> None:
    assert translator("ru").gettext("Choose your language:") != "Choose your language:"
    assert translator("zh_Hans").gettext("Choose your language:") != "Choose your language:"
    assert translator("en").gettext("Choose your language:") == "Choose your language:"


def test_money_numbers_dates_follow_locale() -> None:
    amount = Decimal("1234.5")
    assert translator("en").money(amount, "USD") == "$1,234.50"
    assert (
        translator("ru").money(amount, "RUB").replace("\xa0", " ").replace("\u202f", " ")
        == "1 234,50 ₽"
    )
    assert translator("zh_Hans").money(amount, "CNY") == "¥1,234.50"
    assert translator("ru").number(Decimal("1234.5")).replace("\xa0", " ") == "1 234,5"
    day = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert "ноя" in translator("ru").date(day)
    assert "2026年11月26日" in translator("zh_Hans").date(day)


def test_stale_mo_is_ignored_in_favour_of_po(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    lc = tmp_path / "ru" / "LC_MESSAGES"
    lc.mkdir(parents=True)
    (lc / "shopbot.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Hello"\nmsgstr "Привет"\n',
        encoding="utf-8",
    )
    (lc / "shopbot.mo").write_bytes(b"garbage that is not a catalog")
    os.utime(lc / "shopbot.mo", (0, 0))
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("ru").gettext("Hello") == "Привет"
    finally:
        i18n.translations.cache_clear()


def test_arabic_isolates_every_value_and_other_languages_do_not() -> None:
    ar, en = translator("ar"), translator("en")
    assert ar.rtl and not en.rtl
    html = ar.html("Goods: {amount}", amount="US$ 12.50 <b>")
    assert "\u2068US$ 12.50 &lt;b&gt;\u2069" in html  # escaped, then isolated
    assert ar.format("Order #{order}", order=1042).count("\u2068") == 1
    assert "\u2068" not in en.html("Goods: {amount}", amount="$12.50")
    assert ar.nhtml("{n} variant", "{n} variants", 3).count("\u2068") == 1


def test_money_follows_each_currencys_digits_and_each_locales_symbol_place() -> None:
    assert translator("ja").money(Decimal("1234"), "JPY") == "￥1,234"  # no decimals
    assert translator("ko").money(Decimal("15000"), "KRW") == "₩15,000"
    assert translator("de").money(Decimal("12.5"), "EUR").replace("\xa0", " ") == "12,50 €"
    assert translator("pt_BR").money(Decimal("12.5"), "BRL").replace("\xa0", " ") == "R$ 12,50"
    assert translator("fr").percent(Decimal("0.125")).replace("\xa0", " ") == "12,5 %"
    assert translator("en").percent(Decimal("0.05")) == "5%"


def test_dates_and_times_are_in_the_readers_time_zone() -> None:
    moment = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert translator("en").datetime(moment, "short") == "12/31/26, 11:30\u202fPM"
    tokyo = translator("ja", "Asia/Tokyo")
    assert tokyo.date(moment, "short") == "2027/01/01"
    assert tokyo.datetime(moment, "short") == "2027/01/01 8:30"
    assert (
        translator("en", "America/Los_Angeles")
        .zone("America/Los_Angeles")
        .startswith("Los Angeles · GMT-0")
    )
    assert translator("en", "Nowhere/Atlantis").date(moment, "short") == "12/31/26"  # UTC


def test_weights_and_sizes_in_the_readers_units() -> None:
    assert translator("en").weight(650) == "650 g"
    assert translator("de").weight(1250).replace("\xa0", " ") == "1,25 kg"
    assert translator("ru").weight(1250).replace("\xa0", " ") == "1,25 кг"
    assert translator("ru").length(30).replace("\xa0", " ") == "30 см"
