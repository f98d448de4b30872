"""Exchange rates end to end: the ECB and the Bank of Russia served locally, merged, stored, and
what shoppers see (their currency, its rate's date and source; never a silent switch)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from aiohttp import web

from bot.i18n import translator
from bot.process.deps import Deps
from bot.services import catalog, fx
from bot.sync.jobs import refresh_rates
from integrations.errors import ServerError
from integrations.fx import Rate
from integrations.fx import snapshot as bundled
from integrations.types import Offer, Product, Sku
from tests.e2e.harness import Shopper
from tests.integrations.fakes.cbr import CONTENT_TYPE, Valute, document
from tests.support import fast_http, serving

ECB = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject>
<Cube><Cube time="2026-11-25">
<Cube currency="USD" rate="1.0500"/><Cube currency="JPY" rate="160.00"/>
<Cube currency="CNY" rate="7.5000"/><Cube currency="RUB" rate="bogus"/>
</Cube></Cube></gesmes:Envelope>"""

CBR_DAY = date(2026, 11, 26)
CBR = [  # roubles per unit: EUR 100, so RUB 100 per euro, KZT 100 / 0.2 = 500
    Valute("EUR", 1, "100,0000", "Евро", "100"),
    Valute("USD", 1, "95,0000", "Доллар США", "95"),  # the ECB's USD wins
    Valute("KZT", 100, "20,0000", "Казахстанских тенге", "0,2"),
]


@dataclass
class Sources:
    """What the local ECB and Bank of Russia answer next (then their normal documents)."""

    ecb: list[str] = field(default_factory=list)
    cbr: list[bytes] = field(default_factory=list)


@pytest.fixture
async def sources(deps: Deps) -> AsyncIterator[Sources]:
    queued = Sources()

    async def ecb(request: web.Request) -> web.Response:
        return web.Response(text=queued.ecb.pop(0) if queued.ecb else ECB, content_type="text/xml")

    async def cbr(request: web.Request) -> web.Response:
        body = queued.cbr.pop(0) if queued.cbr else document(CBR_DAY, CBR)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    app = web.Application()
    app.router.add_get("/eurofxref-daily.xml", ecb)
    app.router.add_get("/scripts/XML_daily.asp", cbr)
    async with serving(app) as base:
        deps.provider_env = {"ECB_API_BASE": base, "CBR_API_BASE": f"{base}/scripts"}
        deps.http = fast_http(timeout=10)
        yield queued


async def test_rates_are_merged_stored_and_cross_converted(deps: Deps, sources: Sources) -> None:
    # ECB: EUR, USD, JPY, CNY (the bogus RUB skipped); the Bank of Russia adds RUB and KZT
    assert await refresh_rates(deps) == 6
    async with deps.sessions() as s:
        table = await fx.table(s)
    assert table.rate("USD") == Rate(Decimal("1.0500"), date(2026, 11, 25), "ecb")
    assert table.rate("RUB") == Rate(Decimal(100), CBR_DAY, "cbr")
    assert table.rate("KZT") == Rate(Decimal(500), CBR_DAY, "cbr")
    assert table.convert(Decimal("75.00"), "CNY", "USD") == Decimal("10.50")
    assert table.convert(Decimal("75.00"), "CNY", "JPY") == Decimal("1600")  # no minor unit
    assert table.convert(Decimal("75.00"), "CNY", "RUB") == Decimal("1000.00")
    assert table.convert(Decimal("75.00"), "CNY", "KZT") == Decimal("5000.00")
    sources.ecb.append(ECB.replace("1.0500", "1.1000").replace("2026-11-25", "2026-11-26"))
    await refresh_rates(deps)
    async with deps.sessions() as s:
        table = await fx.table(s)
    assert table.rate("USD") == Rate(Decimal("1.1000"), date(2026, 11, 26), "ecb")


async def test_one_source_down_the_other_still_refreshes(deps: Deps, sources: Sources) -> None:
    sources.cbr += [b"<html>maintenance</html>"] * 2
    assert await refresh_rates(deps) == 4  # the ECB's only
    async with deps.sessions() as s:
        table = await fx.table(s)
    assert table.rate("RUB") == Rate(bundled.load().per_euro["RUB"], bundled.load().day, "snapshot")


async def test_all_sources_down_changes_nothing(deps: Deps, sources: Sources) -> None:
    await refresh_rates(deps)
    sources.ecb += ["<html>maintenance</html>"] * 2
    sources.cbr += [b"<html>maintenance</html>"] * 2
    with pytest.raises(ServerError):
        await refresh_rates(deps)
    async with deps.sessions() as s:
        table = await fx.table(s)
    assert table.rate("USD") == Rate(Decimal("1.0500"), date(2026, 11, 25), "ecb")
    assert table.rate("RUB") == Rate(Decimal(100), CBR_DAY, "cbr")


async def thermos(deps: Deps, price: str = "75.00", currency: str = "CNY") -> None:
    sku = Sku("s", Offer(Decimal(price), currency))
    async with deps.sessions.begin() as s:
        await catalog.upsert(s, [Product("demo", "p", "不锈钢保温杯", (sku,))])


async def test_shoppers_see_their_currency_beside_cny(
    shopper: Callable[..., Shopper], deps: Deps, sources: Sources
) -> None:
    await refresh_rates(deps)
    await thermos(deps)
    ann = shopper("en")
    (results,) = await ann.send("保温杯")
    assert "≈ $10.50 (CN¥75.00)" in results.text
    assert "Exchange rates of 11/25/26 (ECB)" in results.text
    await ann.press("1")
    assert "≈ $10.50 (CN¥75.00)" in ann.last.text


async def test_a_russian_shopper_sees_roubles_with_the_bank_of_russias_date(
    shopper: Callable[..., Shopper], deps: Deps, sources: Sources
) -> None:
    await refresh_rates(deps)
    await thermos(deps)
    ivan = shopper("ru")
    await ivan.send("/settings")
    ru = translator("ru")
    await ivan.press(ru.gettext("Country"))
    await ivan.press("Россия")
    (results,) = await ivan.send("保温杯")
    roubles, yuan = ru.money(Decimal("1000.00"), "RUB"), ru.money(Decimal("75.00"), "CNY")
    assert f"≈ {roubles} ({yuan})" in results.text  # 75 / 7.5 * 100, beside what is charged
    note = ru.gettext("Exchange rates of {day} ({source})")
    assert note.format(day="26.11.2026", source=ru.gettext("Bank of Russia")) in results.text


async def test_a_fresh_install_shows_local_prices_from_the_snapshot(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    await thermos(deps)  # no rates job has ever run
    snap = bundled.load()
    expected = (Decimal("75.00") / snap.per_euro["CNY"] * snap.per_euro["USD"]).quantize(
        Decimal("0.01")
    )
    (results,) = await shopper("en").send("保温杯")
    assert f"≈ ${expected} (CN¥75.00)" in results.text
    assert "Exchange rates of 5/30/25 (built-in rates)" in results.text


async def test_a_price_in_a_currency_without_any_rate_says_so(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    await thermos(deps, "1000", "XOF")  # a store selling in CFA francs: no provider has them
    (results,) = await shopper("en").send("保温杯")
    assert translator("en").money(Decimal(1000), "XOF") in results.text
    assert "≈" not in results.text  # no made-up conversion, no silent switch
    assert "No exchange rate for XOF" in results.text
