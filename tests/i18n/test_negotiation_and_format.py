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
        (("zh-hant",), "zh_Hans"),  # same language beats English until zh_Hant ships
        (("pt-br",), "en"),
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
    assert {"en", "ru", "zh_Hans"} <= set(i18n.available_locales())
    assert i18n.available_locales()[0] == "en"


def test_catalogs_translate_every_message() -> None:
    from babel.messages.pofile import read_po

    template = read_po((i18n.LOCALES_DIR / "shopbot.pot").open("rb"))
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    for locale in ("ru", "zh_Hans"):
        po = i18n.LOCALES_DIR / locale / "LC_MESSAGES" / "shopbot.po"
        catalog = read_po(po.open("rb"), locale=locale)
        missing = [
            m.id
            for m in catalog
            if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
        ]
        assert missing == [], f"{locale} lacks translations"
        assert ids <= {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


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
