"""Locale negotiation, gettext catalogs and locale-aware formatting (babel).

Catalogs live in locales/<lang>/LC_MESSAGES/shopbot.po with English source msgids: fifteen
locales (en, zh_Hans, zh_Hant, ru, es, pt_BR, fr, de, ja, ko, vi, th, id, ms, ar). A compiled .mo
is used when it is at least as new as its .po; otherwise the .po is compiled in memory, so a
fresh checkout or an edited catalog never needs a manual build step.

Negotiation walks a Telegram language_code down to a shipped locale: region and script first
(zh-tw and zh-hk read zh_Hant, CLDR's likely subtags), then the same language in another region
(pt -> pt_BR), then English. A `Translator` carries the reader's locale and time zone: messages
with their plural forms, money (each currency's own digits, the locale's symbol place), numbers,
percentages, dates and times in the reader's zone. In a right-to-left language (Arabic) every
value filled into a message is wrapped in FSI ... PDI, so a price, a tracking number or a
Chinese title keeps its own direction inside the sentence.
"""

from __future__ import annotations

import gettext
import io
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import cache, lru_cache
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import babel
from babel import Locale, UnknownLocaleError, dates, numbers, units
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


# Where CLDR's own name is not what speakers call the language in a menu.
_OWN_NAMES = {"id": "Bahasa Indonesia", "ms": "Bahasa Melayu"}


def display_name(locale: str) -> str:
    """The locale's own name for itself, capitalised: 'Русский', '中文 (简体)'."""
    name = _OWN_NAMES.get(locale) or Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


@dataclass(frozen=True, slots=True)
class Translator:
    """Everything locale-dependent a reply needs: messages, plurals, money, numbers, dates and
    times in the reader's time zone `tz`."""

    locale: str
    tz: str = "UTC"

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

    @property
    def rtl(self) -> bool:
        """Whether the language is written right to left (Arabic)."""
        return bool(self._babel.character_order == "right-to-left")

    def isolate(self, value: object) -> str:
        """`value` as text; in a right-to-left language wrapped in FSI ... PDI, so a price, a
        tracking number or a Chinese title keeps its own direction inside the sentence."""
        text = str(value)
        return f"\u2068{text}\u2069" if text and self.rtl else text

    def format(self, message: str, **values: object) -> str:
        """`message` translated, `values` filled in (isolated): plain text."""
        return self.gettext(message).format(**{k: self.isolate(v) for k, v in values.items()})

    def html(self, message: str, **values: object) -> str:
        """`message` translated for HTML parse mode: the template and every value escaped."""
        return self._fill(self.gettext(message), values)

    def nhtml(self, singular: str, plural: str, n: int, **values: object) -> str:
        """Like `html` for a message with plural forms; `{n}` is the count, formatted."""
        return self._fill(self.ngettext(singular, plural, n), {"n": self.number(n), **values})

    def _fill(self, template: str, values: dict[str, object]) -> str:
        safe = escape(template, quote=False)
        return safe.format(
            **{k: self.isolate(escape(str(v), quote=False)) for k, v in values.items()}
        )

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

    def weight(self, grams: int) -> str:
        """`650` -> `0.65 kg` / `0,65 кг`; under a kilogram in grams (`300 g`)."""
        if grams < 1000:
            return units.format_unit(grams, "mass-gram", length="short", locale=self._babel)
        kilograms = Decimal(grams) / 1000
        return units.format_unit(kilograms, "mass-kilogram", length="short", locale=self._babel)

    def length(self, centimetres: int) -> str:
        """`30` -> `30 cm` / `30 см`."""
        return units.format_unit(
            centimetres, "length-centimeter", length="short", locale=self._babel
        )

    def percent(self, value: Decimal | int) -> str:
        """`Decimal("0.125")` -> `12.5%` / `12,5 %`: the locale's sign and spacing, every digit
        the value has."""
        return numbers.format_percent(value, locale=self._babel, decimal_quantization=False)

    def date(self, value: date | datetime, fmt: str = "medium") -> str:
        """A day (a moment: the day it was in the reader's time zone)."""
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(_zone(self.tz))
        return dates.format_date(value, format=fmt, locale=self._babel)

    def datetime(self, value: datetime, fmt: str = "medium") -> str:
        """A moment, in the reader's time zone."""
        return dates.format_datetime(value, format=fmt, tzinfo=_zone(self.tz), locale=self._babel)

    def zone(self, name: str) -> str:
        """A time zone as people know it: `New York · GMT-05:00` (its offset today)."""
        if name == "UTC":
            return "UTC"
        now = datetime.now(UTC).astimezone(_zone(name))
        city = dates.get_timezone_location(name, locale=self._babel, return_city=True)
        return f"{city} · {dates.get_timezone_gmt(now, locale=self._babel)}"

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
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r, showing UTC", name)
        return UTC


@cache
def translator(locale: str, tz: str = "UTC") -> Translator:
    return Translator(locale if locale in available_locales() else DEFAULT_LOCALE, tz)


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
