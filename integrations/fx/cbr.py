"""Bank of Russia official rates (XML_daily.asp): roubles per unit of ~45 currencies, no key.

The ECB has published no RUB rate since March 2022 and never had KZT, UAH, VND or AED; the
Bank of Russia covers them. Its document is windows-1251 XML with comma decimals:

    <ValCurs Date="04.10.2024" name="Foreign Currency Market">
      <Valute ID="R01235"><NumCode>840</NumCode><CharCode>USD</CharCode><Nominal>1</Nominal>
        <Name>Доллар США</Name><Value>95,0262</Value><VunitRate>95,0262</VunitRate></Valute>

`Value` is roubles per `Nominal` units (100 KZT, 10000 VND); newer documents add `VunitRate`,
roubles per one unit. `Date` is the day the rates are set for (published the working day
before). Turned into units per euro through the document's own EUR rate: RUB per euro is the
EUR rate itself, any other currency X is (RUB per EUR) / (RUB per X).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from xml.etree import ElementTree as ET

from integrations.errors import ServerError
from integrations.fx import Rates, decimal, is_code, ratio, xml_root
from integrations.http import HttpClient, Response

NAME = "cbr"
DEFAULT_BASE = "https://www.cbr.ru/scripts"
ENCODING = "windows-1251"  # what the Bank of Russia sends, declared in the document
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9._-]+)", re.IGNORECASE)


class CbrRates:
    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        self.base = (env.get("CBR_API_BASE") or DEFAULT_BASE).rstrip("/")
        self.http = http

    async def latest(self) -> Rates:
        return await self.http.call(NAME, "GET", f"{self.base}/XML_daily.asp", parse=parse)


def parse(response: Response) -> Rates:
    root = xml_root(_decode(response), NAME)
    if root.tag != "ValCurs":
        raise ServerError(f"no ValCurs in the rates document (found {root.tag!r})", provider=NAME)
    day = _day(root.get("Date", ""))
    roubles = _roubles_per_unit(root)
    rub_per_eur = roubles.pop("EUR", None)
    if rub_per_eur is None:
        raise ServerError("the rates document has no EUR rate to convert with", provider=NAME)
    per_euro = {"EUR": Decimal(1), "RUB": rub_per_eur}
    per_euro |= {code: ratio(rub_per_eur, rub) for code, rub in roubles.items()}
    return Rates(day, per_euro, NAME)


def _decode(response: Response) -> str:
    """The body as text, in the encoding the document declares (else the HTTP charset, else
    windows-1251: the Bank of Russia's)."""
    declared = _DECLARED.match(response.body[:200])
    charset = _CHARSET.search(response.headers.get("Content-Type", ""))
    if declared:
        encoding = declared.group(1).decode("ascii")
    else:
        encoding = charset.group(1) if charset else ENCODING
    try:
        return response.body.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        raise ServerError(f"rates document not in {encoding}: {exc}", provider=NAME) from None


def _day(text: str) -> date:
    try:
        return datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        raise ServerError(f"bad rates date {text!r}", provider=NAME) from None


def _roubles_per_unit(root: ET.Element) -> dict[str, Decimal]:
    """Roubles for one unit of each listed currency; entries that do not parse are skipped."""
    rates: dict[str, Decimal] = {}
    for valute in root.iter("Valute"):
        code = (valute.findtext("CharCode") or "").strip().upper()
        if not is_code(code) or code == "RUB":
            continue
        unit = decimal(valute.findtext("VunitRate"))
        if unit is None:
            value, nominal = decimal(valute.findtext("Value")), decimal(valute.findtext("Nominal"))
            unit = None if value is None or nominal is None else value / nominal
        if unit is not None:
            rates[code] = unit
    if not rates:
        raise ServerError("the rates document lists no currency", provider=NAME)
    return rates
