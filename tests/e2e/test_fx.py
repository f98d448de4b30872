"""Exchange rates: the ECB document, storage, conversion and what shoppers see."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date
from decimal import Decimal

import pytest
from aiohttp import web

from bot.process.deps import Deps
from bot.services import catalog, fx
from bot.sync.jobs import refresh_rates
from integrations.errors import ServerError
from integrations.types import Offer, Product, Sku
from tests.e2e.harness import Shopper
from tests.support import fast_http, serving

ECB = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject>
<Cube><Cube time="2026-11-25">
<Cube currency="USD" rate="1.0500"/><Cube currency="JPY" rate="160.00"/>
<Cube currency="CNY" rate="7.5000"/><Cube currency="RUB" rate="bogus"/>
</Cube></Cube></gesmes:Envelope>"""


@pytest.fixture
async def ecb(deps: Deps) -> AsyncIterator[list[str]]:
    bodies: list[str] = []

    async def daily(request: web.Request) -> web.Response:
        return web.Response(text=bodies.pop(0) if bodies else ECB, content_type="text/xml")

    app = web.Application()
    app.router.add_get("/eurofxref-daily.xml", daily)
    async with serving(app) as base:
        deps.provider_env = {"ECB_API_BASE": base}
        deps.http = fast_http(timeout=10)
        yield bodies


async def test_rates_are_stored_and_cross_converted(deps: Deps, ecb: list[str]) -> None:
    assert await refresh_rates(deps) == 4  # EUR, USD, JPY, CNY; the bogus RUB is skipped
    async with deps.sessions() as s:
        table = await fx.table(s)
    assert table is not None and table.day == date(2026, 11, 25)
    assert table.convert(Decimal("75.00"), "CNY", "USD") == Decimal("10.50")
    assert table.convert(Decimal("75.00"), "CNY", "JPY") == Decimal("1600")  # no minor unit
    assert table.convert(Decimal("75.00"), "CNY", "RUB") is None
    ecb.append(ECB.replace("1.0500", "1.1000").replace("2026-11-25", "2026-11-26"))
    await refresh_rates(deps)
    async with deps.sessions() as s:
        table = await fx.table(s)
    assert table is not None and table.per_euro["USD"] == Decimal("1.1000")


async def test_a_broken_document_changes_nothing(deps: Deps, ecb: list[str]) -> None:
    await refresh_rates(deps)
    ecb += ["<html>maintenance</html>"] * 2
    with pytest.raises(ServerError):
        await refresh_rates(deps)
    async with deps.sessions() as s:
        table = await fx.table(s)
    assert table is not None and table.per_euro["USD"] == Decimal("1.0500")


async def test_shoppers_see_their_currency_beside_cny(
    shopper: Callable[..., Shopper], deps: Deps, ecb: list[str]
) -> None:
    await refresh_rates(deps)
    sku = Sku("s", Offer(Decimal("75.00"), "CNY"))
    async with deps.sessions.begin() as s:
        await catalog.upsert(s, [Product("demo", "p", "不锈钢保温杯", (sku,))])
    ann = shopper("en")
    (results,) = await ann.send("保温杯")
    assert "≈ $10.50 (CN¥75.00)" in results.text
    assert "Exchange rates of 11/25/26 (ECB)" in results.text
    await ann.press("1")
    assert "≈ $10.50 (CN¥75.00)" in ann.last.text
