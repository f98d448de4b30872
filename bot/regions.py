"""Currencies shoppers can see prices in, countries we ship to and their time zones."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache

from babel import numbers
from babel.core import get_global

# Shown as buttons; any ISO code babel knows is accepted through the service too.
CURRENCIES: tuple[str, ...] = (
    "USD", "EUR", "GBP", "RUB", "KZT", "UAH", "JPY", "KRW", "AUD", "CAD",
    "NZD", "SGD", "MYR", "THB", "PHP", "IDR", "VND", "INR", "AED", "TRY",
    "BRL", "MXN", "CHF", "HKD", "CNY",
)  # fmt: skip

# Destination countries (ISO 3166-1 alpha-2) in the order they are offered.
COUNTRIES: tuple[str, ...] = (
    "US", "GB", "DE", "FR", "IT", "ES", "NL", "PL", "RU", "KZ", "UA", "BY",
    "JP", "KR", "AU", "NZ", "CA", "SG", "MY", "TH", "PH", "ID", "VN", "IN",
    "AE", "SA", "IL", "TR", "BR", "MX", "CL", "AR", "SE", "NO", "FI", "DK",
    "IE", "PT", "BE", "AT", "CH", "CZ", "HK", "MO", "TW", "UZ", "KG", "GE",
)  # fmt: skip


def is_currency(code: str) -> bool:
    return code in CURRENCIES


def is_country(code: str) -> bool:
    return code in COUNTRIES


def country_currency(country: str) -> str | None:
    """The currency a country uses today, if it is one we display."""
    for code in numbers.get_territory_currencies(country, tender=True):
        if code in CURRENCIES:
            return code
    return None


# The zone most of a country's people live in, where it spans several (elsewhere: its only one).
MAIN_ZONES: dict[str, str] = {
    "US": "America/New_York", "RU": "Europe/Moscow", "CA": "America/Toronto",
    "AU": "Australia/Sydney", "BR": "America/Sao_Paulo", "MX": "America/Mexico_City",
    "KZ": "Asia/Almaty", "ID": "Asia/Jakarta", "AR": "America/Argentina/Buenos_Aires",
    "CL": "America/Santiago", "ES": "Europe/Madrid", "PT": "Europe/Lisbon", "DE": "Europe/Berlin",
    "UA": "Europe/Kyiv", "NZ": "Pacific/Auckland", "MY": "Asia/Kuala_Lumpur",
    "UZ": "Asia/Tashkent",
}  # fmt: skip
# The zone that stands for its UTC offset in a country's list: the one people know it by.
_KNOWN_ZONES = frozenset(
    "America/Chicago America/Denver America/Phoenix America/Los_Angeles America/Anchorage "
    "Pacific/Honolulu America/Halifax America/Winnipeg America/Edmonton America/Vancouver "
    "America/Manaus America/Rio_Branco America/Noronha Europe/Samara Asia/Novosibirsk "
    "Asia/Krasnoyarsk Asia/Yakutsk Asia/Vladivostok Asia/Kamchatka Asia/Yekaterinburg "
    "Asia/Omsk Asia/Irkutsk Asia/Magadan Australia/Perth Australia/Adelaide Australia/Brisbane "
    "Australia/Darwin Asia/Makassar Asia/Jayapura Atlantic/Canary Atlantic/Azores "
    "America/Tijuana America/Hermosillo America/Cancun Asia/Aqtobe Pacific/Easter".split()
)


def zones_of(country: str | None) -> tuple[str, ...]:
    """A country's time zones, one for each UTC offset it has today (its main zone standing for
    its own offset), from west to east; ("UTC",) for no or an unknown country."""
    return _zones_on(country, datetime.now(UTC).date())


@lru_cache(maxsize=256)
def _zones_on(country: str | None, day: date) -> tuple[str, ...]:
    """`zones_of` on `day` (offsets move with daylight saving time: worked out once a day)."""
    zones = [z for z in get_global("territory_zones").get(country or "", ()) if z in _known()]
    if not zones:
        return ("UTC",)
    now = datetime.now(UTC)
    main = MAIN_ZONES.get(country or "")
    by_offset: dict[object, str] = {}
    for zone in sorted(zones, key=lambda z: (z != main, z not in _KNOWN_ZONES, z)):
        by_offset.setdefault(now.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset(), zone)
    return tuple(sorted(by_offset.values(), key=lambda z: (_offset(z, now), z)))


def main_zone(country: str | None) -> str:
    """The time zone dates are shown in for someone in `country` until they choose another."""
    zones = zones_of(country)
    main = MAIN_ZONES.get(country or "")
    return main if main in zones else zones[0]


def is_zone(name: str) -> bool:
    return name == "UTC" or name in _known()


@cache
def _known() -> frozenset[str]:
    """The IANA zones this machine knows (read from the disk: once)."""
    return frozenset(zoneinfo.available_timezones())


def _offset(zone: str, now: datetime) -> timedelta:
    return now.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset() or timedelta()
