"""Stripe's currency rules (zero-, three-decimal, ISK, charge currencies, wallets) and the
Checkout locale mapping, as known answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrations.money import Money
from integrations.payments.stripe.currencies import (
    ALIPAY_CURRENCIES,
    CHARGE_CURRENCIES,
    THREE_DECIMAL,
    WECHAT_PAY_CURRENCIES,
    ZERO_DECIMAL,
    NotChargeable,
    charge_currency,
    chargeable,
    exponent,
    from_minor,
    minimum_charge,
    to_minor,
    wallets,
)
from integrations.payments.stripe.locales import checkout_locale


def money(amount: str, currency: str) -> Money:
    return Money(Decimal(amount), currency)


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("10", "USD", 1000),  # two-decimal: cents
        ("12.34", "EUR", 1234),
        ("500", "JPY", 500),  # zero-decimal: whole units
        ("15000", "KRW", 15000),
        ("250000", "VND", 250000),
        ("1200", "XOF", 1200),
        ("5.120", "KWD", 5120),  # three-decimal: thousandths ending in 0
        ("5.12", "KWD", 5120),
        ("0.5", "BHD", 500),
        ("40", "ISK", 4000),  # ISK: two-decimal amounts of whole kronur
        ("12345", "HUF", 1234500),  # HUF charges stay two-decimal
        ("100", "TWD", 10000),
    ],
)
def test_to_minor(amount: str, currency: str, minor: int) -> None:
    assert to_minor(money(amount, currency)) == minor


@pytest.mark.parametrize(
    ("amount", "currency", "why"),
    [
        ("5.124", "KWD", "steps of 0.01"),  # the last of three digits must be 0
        ("1.001", "JOD", "steps of 0.01"),
        ("40.10", "ISK", "steps of 1"),  # no fractional kronur
        ("500.5", "JPY", "steps of 1"),
        ("10.005", "USD", "steps of 0.01"),
        ("10", "IRR", "does not charge"),  # not a Stripe presentment currency
        ("10", "CUP", "does not charge"),
    ],
)
def test_to_minor_refuses_what_stripe_refuses(amount: str, currency: str, why: str) -> None:
    with pytest.raises(NotChargeable, match=why):
        to_minor(money(amount, currency))


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (1000, "usd", money("10.00", "USD")),
        (500, "jpy", money("500", "JPY")),
        (5120, "kwd", money("5.120", "KWD")),
        (4000, "isk", money("40.00", "ISK")),
        (0, "EUR", money("0", "EUR")),
    ],
)
def test_from_minor(minor: int, currency: str, expected: Money) -> None:
    result = from_minor(minor, currency)
    assert result == expected
    assert result.currency == currency.upper()


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("5.125", "KWD", "5.12"),  # half to even on Stripe's step, not ISO's third digit
        ("5.135", "KWD", "5.14"),
        ("40.5", "ISK", "40"),
        ("41.5", "ISK", "42"),
        ("499.5", "JPY", "500"),
        ("1.005", "USD", "1.00"),
        ("1.015", "USD", "1.02"),
    ],
)
def test_chargeable_rounds_to_what_stripe_accepts(amount: str, currency: str, rounded: str) -> None:
    result = chargeable(money(amount, currency))
    assert result.amount == Decimal(rounded)
    to_minor(result)  # and Stripe takes it


def test_every_charge_currency_round_trips() -> None:
    for code in sorted(CHARGE_CURRENCIES):
        amount = chargeable(money("1234.5678", code))
        assert from_minor(to_minor(amount), code) == amount, code


def test_exponents_where_stripe_and_iso_differ() -> None:
    assert exponent("ISK") == 2  # ISO 4217: 0
    assert exponent("KWD") == 3
    assert exponent("JPY") == 0
    assert exponent("usd") == 2


@pytest.mark.parametrize(
    ("shopper", "charged"),
    [("EUR", "EUR"), ("eur", "EUR"), ("RUB", "RUB"), ("KZT", "KZT"), ("JPY", "JPY"),
     ("IRR", "USD"), ("CUP", "USD"), ("VES", "USD")],
)  # fmt: skip
def test_charge_currency(shopper: str, charged: str) -> None:
    assert charge_currency(shopper) == charged


@pytest.mark.parametrize(
    ("currency", "methods"),
    [
        ("CNY", ["alipay", "wechat_pay"]),
        ("USD", ["alipay", "wechat_pay"]),
        ("MYR", ["alipay"]),  # Alipay only
        ("NZD", ["alipay"]),
        ("CHF", ["wechat_pay"]),  # WeChat Pay only
        ("SEK", ["wechat_pay"]),
        ("RUB", []),
        ("KZT", []),
    ],
)
def test_wallets_per_currency(currency: str, methods: list[str]) -> None:
    assert wallets(currency) == methods


def test_tables_are_consistent() -> None:
    for table in (ZERO_DECIMAL, THREE_DECIMAL, ALIPAY_CURRENCIES, WECHAT_PAY_CURRENCIES):
        assert table <= CHARGE_CURRENCIES
    assert not ZERO_DECIMAL & THREE_DECIMAL


def test_minimum_charge() -> None:
    assert minimum_charge("usd") == money("0.50", "USD")
    assert minimum_charge("JPY") == money("50", "JPY")
    assert minimum_charge("KZT") is None  # Stripe gives no figure: about USD 0.50


@pytest.mark.parametrize(
    ("ours", "stripes"),
    [
        ("pt_BR", "pt-BR"),
        ("pt", "pt"),
        ("zh_Hans", "zh"),
        ("zh_Hant", "zh-TW"),
        ("zh_HK", "zh-HK"),
        ("de_AT", "de"),
        ("en_GB", "en-GB"),
        ("en_US", "en"),
        ("fr-CA", "fr-CA"),
        ("nb_NO", "nb"),
        ("no", "nb"),
        ("ru", "ru"),
        ("kk", None),  # Checkout has no Kazakh: the browser's language
        ("", None),
        (None, None),
    ],
)
def test_checkout_locale(ours: str | None, stripes: str | None) -> None:
    assert checkout_locale(ours) == stripes
