"""Currencies shoppers can see prices in and countries we ship to."""

from __future__ import annotations

from babel import numbers

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
