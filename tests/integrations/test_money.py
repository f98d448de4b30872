"""Money: Decimal and currency together, rounded to the currency's own minor unit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrations.money import CurrencyMismatch, Money, total


def test_minor_units_follow_each_currencys_exponent() -> None:
    assert Money(Decimal("39.90"), "CNY").minor() == 3990
    assert Money(Decimal("500"), "JPY").minor() == 500
    assert Money(Decimal("1.2345"), "KWD").minor() == 1234  # three decimals, half to even
    assert Money.of_minor(3990, "CNY") == Money(Decimal("39.90"), "CNY")
    assert Money.of_minor(1235, "KWD").amount == Decimal("1.235")


def test_rounding_is_half_to_even_on_the_minor_unit() -> None:
    assert Money(Decimal("0.125"), "USD").rounded().amount == Decimal("0.12")
    assert Money(Decimal("0.135"), "USD").rounded().amount == Decimal("0.14")
    assert Money(Decimal("12.5"), "JPY").rounded().amount == Decimal("12")


def test_currencies_never_mix_and_floats_are_refused() -> None:
    usd, eur = Money(Decimal(1), "USD"), Money(Decimal(1), "EUR")
    with pytest.raises(CurrencyMismatch):
        usd + eur
    with pytest.raises(CurrencyMismatch):
        assert usd < eur
    with pytest.raises(TypeError):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        usd * 1.1  # type: ignore[operator]
    with pytest.raises(ValueError):
        Money(Decimal(1), "usd")


def test_sums_and_products() -> None:
    parts = [Money(Decimal("0.10"), "EUR")] * 3
    assert total(parts, "EUR") == Money(Decimal("0.30"), "EUR")
    assert total([], "EUR") == Money.zero("EUR") and not Money.zero("EUR")
    assert Money(Decimal("2.50"), "EUR") * 3 == 3 * Money(Decimal("2.50"), "EUR")
    assert -Money(Decimal(1), "EUR") == Money(Decimal(-1), "EUR")
