"""Prices as shoppers read them: their currency first, what the marketplace charges beside it
(and the per-process cache of the exchange rates that make it possible).

Under a converted price stands the date and the source of the shopper's currency's own rate.
A currency without any rate is never swapped for another in silence: the note says there is
no rate for it, and the price stays in the currency the marketplace charges.
"""

from __future__ import annotations

from decimal import Decimal

from bot.i18n import N_, Translator
from bot.services import fx, users
from bot.services.fx import Table
from handlers.context import BotContext

#: Rate providers' names as shoppers read them (unknown sources are shown as stored).
SOURCES = {
    "ecb": N_("ECB"),
    "cbr": N_("Bank of Russia"),
    "openexchangerates": N_("Open Exchange Rates"),
    "snapshot": N_("built-in rates"),
}


def price_text(
    t: Translator, amount: Decimal, currency: str, target: str, rates: Table | None
) -> str:
    """`≈ US$5.49 (CN¥39.90)`, or just `CN¥39.90` without a rate or when they are the same."""
    original = t.money(amount, currency)
    if rates is None or target == currency:
        return original
    converted = rates.convert(amount, currency, target)
    if converted is None:
        return original
    return f"≈ {t.money(converted, target)} ({original})"


def rates_note(t: Translator, rates: Table | None, target: str, currency: str) -> str | None:
    """Under prices in `currency` shown in `target`: the date and source of `target`'s rate,
    or that one of the two has no rate (so the price is left in `currency`)."""
    if rates is None or not target or target == currency:
        return None
    rate = rates.rate(target)
    missing = target if rate is None else currency if rates.rate(currency) is None else None
    if rate is None or missing is not None:
        return t.format("No exchange rate for {currency}", currency=missing)
    day = t.date(rate.day, "short")
    if not rate.source:
        return t.format("Exchange rates of {day}", day=day)
    source = SOURCES.get(rate.source)
    name = t.gettext(source) if source else rate.source
    return t.format("Exchange rates of {day} ({source})", day=day, source=name)


def target_currency(context: BotContext) -> str:
    """The currency the user sees prices in."""
    return users.currency_of(context.account, context.deps.settings.default_currency)


async def cached_rates(context: BotContext) -> fx.Table | None:
    """The rates, read from the database at most every few seconds per process (the bundled
    snapshot's for currencies never fetched)."""
    deps = context.deps

    async def read() -> fx.Table | None:
        async with deps.sessions() as session:
            return await fx.table(session)

    return await deps.answers.get_or_make("fx", read)
