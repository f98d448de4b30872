"""Currency conversion for display: ECB reference rates stored in fx_rates, cross rates via EUR.

Shoppers see prices in their currency next to the CNY the marketplace charges; the rate date is
shown with them. Without rates (never fetched, offline) prices stay in CNY.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import get_currency_precision
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import insert_ignore, utcnow
from bot.models import FxRate
from integrations.fx.ecb import Rates


@dataclass(frozen=True, slots=True)
class Table:
    day: date
    per_euro: dict[str, Decimal]

    def convert(self, amount: Decimal, source: str, target: str) -> Decimal | None:
        """`amount` of `source` in `target`, rounded to its minor unit; None if unknown."""
        if source == target:
            return amount
        a, b = self.per_euro.get(source), self.per_euro.get(target)
        if a is None or b is None:
            return None
        exponent = Decimal(1).scaleb(-get_currency_precision(target))
        return (amount / a * b).quantize(exponent, rounding=ROUND_HALF_EVEN)


async def store(session: AsyncSession, rates: Rates) -> int:
    """Replace the stored rates with `rates`; returns how many currencies were stored."""
    now = utcnow()
    for currency, value in rates.per_euro.items():
        row = await session.get(FxRate, currency)
        if row is None:
            await insert_ignore(
                session,
                FxRate.__table__,
                {"currency": currency, "per_euro": str(value), "day": rates.day, "fetched_at": now},
            )
        else:
            row.per_euro, row.day, row.fetched_at = str(value), rates.day, now
    return len(rates.per_euro)


async def table(session: AsyncSession) -> Table | None:
    rows = (await session.execute(select(FxRate))).scalars().all()
    if not rows:
        return None
    return Table(max(r.day for r in rows), {r.currency: Decimal(r.per_euro) for r in rows})
