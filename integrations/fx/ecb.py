"""European Central Bank reference rates (eurofxref-daily.xml): EUR base, working days.

<Cube><Cube time="2026-11-25"><Cube currency="USD" rate="1.0512"/>...</Cube></Cube>
About 30 currencies (no RUB, KZT, UAH, VND, AED...): the first source, others fill the gaps.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree as ET

from integrations.errors import ServerError
from integrations.fx import Rates, xml_root
from integrations.http import HttpClient, Response

NAME = "ecb"
DEFAULT_BASE = "https://www.ecb.europa.eu/stats/eurofxref"

__all__ = ["NAME", "EcbRates", "Rates", "parse"]


class EcbRates:
    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        self.base = (env.get("ECB_API_BASE") or DEFAULT_BASE).rstrip("/")
        self.http = http

    async def latest(self) -> Rates:
        return await self.http.call(NAME, "GET", f"{self.base}/eurofxref-daily.xml", parse=parse)


def parse(response: Response) -> Rates:
    root = xml_root(response.text(), NAME)
    for cube in root.iter():
        if cube.tag.endswith("Cube") and cube.get("time"):
            return Rates(_day(cube.get("time", "")), _rates(cube), NAME)
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
