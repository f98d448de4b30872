"""Currency rates: one interface over several providers, merged per currency.

No single source covers every currency the bot offers: the ECB publishes ~30 (no RUB, KZT,
UAH, VND, AED), the Bank of Russia ~45 others, Open Exchange Rates ~170 (with an app id).
Every provider answers in the same shape, units of each currency for one euro on the day the
provider published them, so cross rates go through EUR whatever the source. Merging keeps, per
currency, the value of the first provider that has it, with that provider's day and name: the
day shown beside a converted price is the day of that currency's own rate.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal, InvalidOperation
from typing import Protocol, runtime_checkable
from xml.etree import ElementTree as ET

from integrations.errors import IntegrationError, ServerError

log = logging.getLogger(__name__)

#: Significant digits kept when a provider's rate is derived by division (CBR, OXR): more
#: than the sources publish (CBR 6-7, OXR 6-7), so nothing is lost and nothing invented.
DIGITS = 10


@dataclass(frozen=True, slots=True)
class Rate:
    """One currency's units for one euro, the day it is from and the provider that said so."""

    per_euro: Decimal
    day: date
    source: str


@dataclass(frozen=True, slots=True)
class Rates:
    """What one provider published: units of each currency for one euro on `day` (EUR is 1)."""

    day: date
    per_euro: Mapping[str, Decimal]
    source: str = ""

    def each(self) -> dict[str, Rate]:
        return {c: Rate(v, self.day, self.source) for c, v in self.per_euro.items()}


@runtime_checkable
class RatesProvider(Protocol):
    async def latest(self) -> Rates:
        """The provider's latest rates; raises IntegrationError when it cannot tell."""
        ...


def merge(sets: Iterable[Rates]) -> dict[str, Rate]:
    """Per currency, the first set's value that has it (earlier sets are preferred sources)."""
    merged: dict[str, Rate] = {}
    for rates in sets:
        for currency, rate in rates.each().items():
            merged.setdefault(currency, rate)
    return merged


async def fetch_merged(providers: Sequence[RatesProvider]) -> dict[str, Rate]:
    """Ask every provider at once and merge their answers in the providers' order.

    A provider that fails (IntegrationError) is logged and left out; when every provider
    fails, the first one's error is raised, so a caller can tell "nothing new" from "no rates".
    """
    answers = await asyncio.gather(*(p.latest() for p in providers), return_exceptions=True)
    sets: list[Rates] = []
    failures: list[IntegrationError] = []
    for answer in answers:
        if isinstance(answer, IntegrationError):
            log.warning("exchange rates not fetched: %s", answer)
            failures.append(answer)
        elif isinstance(answer, BaseException):
            raise answer
        else:
            sets.append(answer)
    if failures and not sets:
        raise failures[0]
    return merge(sets)


def is_code(text: str) -> bool:
    """An ISO 4217-looking code: three ASCII letters, upper case."""
    return len(text) == 3 and text.isascii() and text.isalpha() and text.isupper()


def decimal(text: object) -> Decimal | None:
    """`text` as a positive finite Decimal (a comma taken for the decimal point), else None."""
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """`numerator / denominator` to DIGITS significant digits (half even), written plainly:
    `500`, not `5E+2`."""
    value = Context(prec=DIGITS).divide(numerator, denominator)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        value = value.quantize(Decimal(1))
    return value


_DTD = ("<!DOCTYPE", "<!ENTITY")


def xml_root(text: str, provider: str) -> ET.Element:
    """A rates document's root element; a document declaring a DTD (entity expansion) or not
    XML at all is the provider's error."""
    if any(marker in text for marker in _DTD):
        raise ServerError("rates document declares a DTD", provider=provider)
    try:
        return ET.fromstring(text)  # noqa: S314  (no DTD, checked above)
    except ET.ParseError as exc:
        raise ServerError(f"rates are not XML: {exc}", provider=provider) from None
