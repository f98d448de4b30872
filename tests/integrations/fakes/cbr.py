"""A fake Bank of Russia daily rates service (tests only): ``GET /XML_daily.asp``.

Answers as www.cbr.ru/scripts does: windows-1251 XML with the encoding declared, Cyrillic
currency names, comma decimals, ``Value`` roubles per ``Nominal`` units and (newer documents)
``VunitRate`` roubles per unit, ``<ValCurs Date="dd.mm.yyyy" name="Foreign Currency Market">``.
``date_req=dd/mm/yyyy`` is accepted and recorded, not used: the fake has one document.
``valutes`` is what it lists; ``document`` (bytes), when set, is sent instead. ``plan`` (see
server.py) takes a step per request, plus "dtd" (the document with an entity declaration).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from aiohttp import web

from tests.integrations.fakes.server import FakeServer

CONTENT_TYPE = "application/xml; charset=windows-1251"


@dataclass(frozen=True, slots=True)
class Valute:
    code: str
    nominal: int
    value: str  # comma decimals, as published
    name: str = ""
    unit: str | None = None  # VunitRate, when the document has it


#: Figures from the Bank of Russia's document for 04.10.2024 (a subset of its ~45 currencies).
VALUTES = (
    Valute("USD", 1, "95,0262", "Доллар США", "95,0262"),
    Valute("EUR", 1, "104,8664", "Евро", "104,8664"),
    Valute("CNY", 1, "13,4808", "Китайский юань", "13,4808"),
    Valute("KZT", 100, "19,6648", "Казахстанских тенге", "0,196648"),
    Valute("UAH", 10, "23,0224", "Украинских гривен", "2,30224"),
    Valute("VND", 10000, "39,4054", "Вьетнамских донгов", "0,00394054"),
    Valute("AED", 1, "25,8751", "Дирхам ОАЭ", "25,8751"),
    Valute("JPY", 100, "64,6349", "Японских иен", "0,646349"),
)


def document(day: date, valutes: tuple[Valute, ...] | list[Valute], dtd: bool = False) -> bytes:
    """The XML_daily.asp document for `day` listing `valutes`, encoded in windows-1251."""
    rows = []
    for i, v in enumerate(valutes):
        unit = f"<VunitRate>{v.unit}</VunitRate>" if v.unit is not None else ""
        rows.append(
            f'<Valute ID="R{i:05d}"><NumCode>000</NumCode><CharCode>{v.code}</CharCode>'
            f"<Nominal>{v.nominal}</Nominal><Name>{v.name}</Name><Value>{v.value}</Value>"
            f"{unit}</Valute>"
        )
    doctype = '<!DOCTYPE ValCurs [<!ENTITY x "x">]>' if dtd else ""
    text = (
        f'<?xml version="1.0" encoding="windows-1251"?>{doctype}'
        f'<ValCurs Date="{day:%d.%m.%Y}" name="Foreign Currency Market">{"".join(rows)}</ValCurs>'
    )
    return text.encode("cp1251")


@dataclass
class FakeCbr(FakeServer[dict[str, str]]):
    retry_after = "1"

    day: date = date(2024, 10, 4)
    valutes: list[Valute] = field(default_factory=lambda: list(VALUTES))
    document: bytes | None = None

    @property
    def api_base(self) -> str:
        return f"{self.base}/scripts"

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/scripts/XML_daily.asp", self._daily)

    async def _daily(self, request: web.Request) -> web.StreamResponse:
        self.calls.append(dict(request.query))
        body = self.document or document(self.day, self.valutes)
        return await self.misbehave() or web.Response(
            body=body, headers={"Content-Type": CONTENT_TYPE}
        )

    def misbehaviour(self, step: str) -> web.Response:
        if step == "dtd":
            body = document(self.day, self.valutes, dtd=True)
            return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
        return super().misbehaviour(step)
