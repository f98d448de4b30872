"""European Central Bank reference rates (eurofxref-daily.xml): EUR base, working days.

<Cube><Cube time="2026-11-25"><Cube currency="USD" rate="1.0512"/>...</Cube></Cube>
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree as ET

from integrations.errors import ServerError
from integrations.http import HttpClient, Response

NAME = "ecb"
DEFAULT_BASE = "https://www.ecb.europa.eu/stats/eurofxref"
_DTD = ("<!DOCTYPE", "<!ENTITY")


@dataclass(frozen=True, slots=True)
class Rates:
    """Units of each currency for one euro, on `day` (EUR itself is 1)."""

    day: date
    per_euro: Mapping[str, Decimal]


class EcbRates:
    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        self.base = (env.get("ECB_API_BASE") or DEFAULT_BASE).rstrip("/")
        self.http = http

    async def latest(self) -> Rates:
        return await self.http.call(NAME, "GET", f"{self.base}/eurofxref-daily.xml", parse=parse)


def parse(response: Response) -> Rates:
    text = response.text()
    if any(marker in text for marker in _DTD):
        raise ServerError("rates document declares a DTD", provider=NAME)
    try:
        root = ET.fromstring(text)  # noqa: S314  (no DTD, checked above)
    except ET.ParseError as exc:
        raise ServerError(f"rates are not XML: {exc}", provider=NAME) from None
    for cube in root.iter():
        if cube.tag.endswith("Cube") and cube.get("time"):
            return Rates(_day(cube.get("time", "")), _rates(cube))
    raise ServerError("no dated Cube in the rates document", provider=NAME)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ServerError(f"bad rates date {text!r}", provider=NAME) from None


def _rates(cube: ET.Element) -> dict[str, Decimal]:
    rates = {"EUR": Decimal(1)}
    for child in cube:
        currency, rate = child.get("currency", ""), child.get("rate", "")
        try:
            value = Decimal(rate)
        except InvalidOperation:
            continue
        if len(currency) == 3 and currency.isalpha() and value > 0:
            rates[currency.upper()] = value
    if len(rates) < 2:
        raise ServerError("the rates document lists no currency", provider=NAME)
    return rates
