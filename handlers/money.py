"""Prices as shoppers read them: their currency first, what the marketplace charges beside it
(and the per-process cache of the exchange rates that make it possible)."""

from __future__ import annotations

from decimal import Decimal

from bot.i18n import Translator
from bot.services import fx, users
from bot.services.fx import Table
from handlers.context import BotContext


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


def target_currency(context: BotContext) -> str:
    """The currency the user sees prices in."""
    return users.currency_of(context.account, context.deps.settings.default_currency)


async def cached_rates(context: BotContext) -> fx.Table | None:
    """Today's rates, read from the database at most every few seconds per process (None
    until the first rates job has run: cached all the same)."""
    deps = context.deps

    async def read() -> fx.Table | None:
        async with deps.sessions() as session:
            return await fx.table(session)

    return await deps.answers.get_or_make("fx", read)
