"""Currency conversion for display: rates stored in fx_rates per currency, cross rates via EUR.

Shoppers see prices in their currency next to the CNY the marketplace charges, with the date
and the source of their currency's rate. No provider covers every currency (integrations/fx),
so each currency keeps the day and the provider of its own rate; what the database lacks comes
from the bundled, dated snapshot, so a fresh install shows local prices at once. A currency
with no rate at all converts to None: the caller says so instead of switching currencies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import insert_ignore, utcnow
from bot.models import FxRate
from integrations.fx import Rate, Rates
from integrations.fx import snapshot as bundled
from integrations.money import exponent


@dataclass(frozen=True, slots=True)
class Table:
    """Per currency: units for one euro, the day of that rate and its source."""

    rates: Mapping[str, Rate]

    def rate(self, currency: str) -> Rate | None:
        return self.rates.get(currency)

    @property
    def per_euro(self) -> dict[str, Decimal]:
        return {currency: rate.per_euro for currency, rate in self.rates.items()}

    @property
    def day(self) -> date:
        """The newest day of any rate (each currency's own day is in `rate(currency).day`)."""
        return max(rate.day for rate in self.rates.values())

    def convert(self, amount: Decimal, source: str, target: str) -> Decimal | None:
        """`amount` of `source` in `target`, rounded to its minor unit; None if either has no
        rate."""
        if source == target:
            return amount
        a, b = self.rates.get(source), self.rates.get(target)
        if a is None or b is None:
            return None
        step = Decimal(1).scaleb(-exponent(target))
        return (amount / a.per_euro * b.per_euro).quantize(step, rounding=ROUND_HALF_EVEN)


async def store(session: AsyncSession, rates: Rates | Mapping[str, Rate]) -> int:
    """Store each currency's rate with its day and source; returns how many were stored.

    A stored rate is replaced by one of the same day or later only: a provider answering with
    older figures (a stale mirror, a fallback) never turns a newer rate back.
    """
    each = rates.each() if isinstance(rates, Rates) else rates
    now, count = utcnow(), 0
    for currency, rate in each.items():
        row = await session.get(FxRate, currency)
        if row is None:
            values = {"currency": currency, "per_euro": str(rate.per_euro), "day": rate.day,
                      "source": rate.source, "fetched_at": now}  # fmt: skip
            await insert_ignore(session, FxRate.__table__, values)
        elif rate.day >= row.day:
            row.per_euro, row.day, row.source, row.fetched_at = (
                str(rate.per_euro),
                rate.day,
                rate.source,
                now,
            )
        else:
            continue
        count += 1
    return count


async def table(session: AsyncSession) -> Table:
    """The stored rates, and the bundled snapshot's for the currencies the database lacks."""
    rows = (await session.execute(select(FxRate))).scalars().all()
    rates = {r.currency: Rate(Decimal(r.per_euro), r.day, r.source) for r in rows}
    for currency, rate in bundled.load().each().items():
        rates.setdefault(currency, rate)
    return Table(rates)
