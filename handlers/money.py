"""Prices as shoppers read them: their currency first, what the marketplace charges beside it."""

from __future__ import annotations

from decimal import Decimal

from bot.i18n import Translator
from bot.services.fx import Table


def price_text(
    t: Translator, amount: Decimal, currency: str, target: str, rates: Table | None
) -> str:
    """`≈ US$5.49 (CN¥39.90)`, or just `CN¥39.90` without rates or when they are the same."""
    original = t.money(amount, currency)
    if rates is None or target == currency:
        return original
    converted = rates.convert(amount, currency, target)
    if converted is None:
        return original
    return f"≈ {t.money(converted, target)} ({original})"


def rates_note(t: Translator, rates: Table | None, target: str, currency: str) -> str | None:
    """The line naming the rates' date, when a converted price is shown."""
    if rates is None or target == currency or target not in rates.per_euro:
        return None
    return t.gettext("Exchange rates of {day} (ECB)").format(day=t.date(rates.day, "short"))
