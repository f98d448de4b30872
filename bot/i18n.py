"""Locale negotiation, gettext catalogs and locale-aware formatting (babel).

Catalogs live in locales/<lang>/LC_MESSAGES/shopbot.po with English source msgids. A compiled .mo is
used when it is at least as new as its .po; otherwise the .po is compiled in memory, so a fresh
checkout or an edited catalog never needs a manual build step.
"""

from __future__ import annotations

import gettext
import io
import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path

import babel
from babel import Locale, UnknownLocaleError, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import locales

log = logging.getLogger(__name__)

DOMAIN = "shopbot"
LOCALES_DIR = Path(locales.__file__).parent
DEFAULT_LOCALE = "en"


def N_(message: str) -> str:
    """Mark a msgid for extraction; translate it later, where the locale is known."""
    return message


@cache
def available_locales() -> tuple[str, ...]:
    """Locales that ship a catalog, e.g. ('en', 'ru', 'zh_Hans'); English first."""
    found = sorted(p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return tuple(sorted(set(found) | {DEFAULT_LOCALE}, key=lambda n: (n != DEFAULT_LOCALE, n)))


@lru_cache(maxsize=4096)  # babel's parsing is too slow to repeat for every update
def _candidates(tag: str) -> tuple[str, ...]:
    """`pt-br` -> ('pt_BR', 'pt'), `zh-cn` -> ('zh_Hans_CN', 'zh_CN', 'zh_Hans', 'zh')."""
    try:
        loc = Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        base = tag.replace("-", "_").split("_")[0].lower()
        return (base,) if base.isalpha() else ()
    lang, script, territory = loc.language, loc.script, loc.territory
    out = []
    if script and territory:
        out.append(f"{lang}_{script}_{territory}")
    if territory:
        out.append(f"{lang}_{territory}")
    script = script or _likely_script(lang)
    if script:
        out.append(f"{lang}_{script}")
    out.append(lang)
    return tuple(out)


def _likely_script(lang: str) -> str | None:
    """CLDR's likely script for a bare language: `zh` -> `Hans`, `sr` -> `Cyrl`."""
    likely = babel.core.get_global("likely_subtags").get(lang)
    if not likely:
        return None
    parts = likely.split("_")
    return parts[1] if len(parts) > 2 else None


def negotiate(*preferred: str | None) -> str:
    """The best shipped locale for the given tags, in order of preference; English otherwise."""
    have = {name.lower(): name for name in available_locales()}
    for tag in preferred:
        if not tag:
            continue
        cands = _candidates(tag)
        for cand in cands:
            if cand.lower() in have:
                return have[cand.lower()]
        # Same language, other script or region (zh_Hant reader -> zh_Hans) beats English.
        for name in available_locales():
            if cands and name.split("_")[0] == cands[-1]:
                return name
    return DEFAULT_LOCALE


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The catalog for `locale`; NullTranslations (source English) when there is none."""
    po = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and po.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=Locale.parse(locale), domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def telegram_language_code(locale: str) -> str:
    """Telegram's two-letter language_code for a locale name (`zh_Hans` -> `zh`)."""
    return locale.split("_")[0]


def display_name(locale: str) -> str:
    """The locale's own name for itself, capitalised: 'Русский', '中文 (简体)'."""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


@dataclass(frozen=True, slots=True)
class Translator:
    """Everything locale-dependent a reply needs: messages, plurals, money, numbers, dates."""

    locale: str

    @property
    def _t(self) -> gettext.NullTranslations:
        return translations(self.locale)

    @property
    def _babel(self) -> Locale:
        return _babel_locale(self.locale)

    def gettext(self, message: str) -> str:
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def money(self, amount: Decimal, currency: str) -> str:
        return numbers.format_currency(amount, currency, locale=self._babel)

    def money_whole(self, amount: Decimal | int, currency: str) -> str:
        """`CN¥1,000` / `1 000 CN¥`: the locale's currency format without decimals."""
        pattern = self._babel.currency_formats["standard"].pattern.replace(".00", "")
        return numbers.format_currency(
            round(Decimal(amount)), currency, pattern, locale=self._babel, currency_digits=False
        )

    def number(self, value: Decimal | int) -> str:
        return numbers.format_decimal(value, locale=self._babel)

    def date(self, value: date | datetime, fmt: str = "medium") -> str:
        return dates.format_date(value, format=fmt, locale=self._babel)

    def datetime(self, value: datetime, fmt: str = "medium", tz: str = "UTC") -> str:
        return dates.format_datetime(
            value, format=fmt, tzinfo=dates.get_timezone(tz), locale=self._babel
        )

    def country(self, code: str) -> str:
        return self._babel.territories.get(code.upper(), code.upper())

    def currency_name(self, code: str) -> str:
        return numbers.get_currency_name(code, locale=self._babel)


@cache
def _babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        log.warning("unknown locale %r, formatting as %s", locale, DEFAULT_LOCALE)
        return Locale.parse(DEFAULT_LOCALE)


@cache
def translator(locale: str) -> Translator:
    return Translator(locale if locale in available_locales() else DEFAULT_LOCALE)


__all__ = [
    "DEFAULT_LOCALE",
    "N_",
    "Translator",
    "available_locales",
    "babel",
    "display_name",
    "negotiate",
    "translator",
]
