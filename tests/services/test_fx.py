"""Stored rates per currency (each with its day and source), the snapshot behind them, and
conversion through EUR."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from bot.models import FxRate
from bot.process.deps import Deps
from bot.services import fx
from integrations.fx import Rate, Rates
from integrations.fx import snapshot as bundled

D = Decimal
ECB_DAY, CBR_DAY = date(2026, 11, 25), date(2026, 11, 26)


async def test_each_currency_keeps_its_own_day_and_source(deps: Deps) -> None:
    merged = {
        "EUR": Rate(D(1), ECB_DAY, "ecb"),
        "CNY": Rate(D("7.5000"), ECB_DAY, "ecb"),
        "RUB": Rate(D("92.5"), CBR_DAY, "cbr"),
    }
    async with deps.sessions.begin() as s:
        assert await fx.store(s, merged) == 3
    async with deps.sessions() as s:
        rows = {r.currency: r for r in (await s.execute(select(FxRate))).scalars()}
        table = await fx.table(s)
    assert (rows["RUB"].per_euro, rows["RUB"].day, rows["RUB"].source) == ("92.5", CBR_DAY, "cbr")
    assert table.rate("RUB") == Rate(D("92.5"), CBR_DAY, "cbr")
    assert table.rate("CNY") == Rate(D("7.5000"), ECB_DAY, "ecb")
    assert table.convert(D("75.00"), "CNY", "RUB") == D("925.00")  # 75 / 7.5 * 92.5


async def test_the_snapshot_fills_what_the_database_lacks(deps: Deps) -> None:
    async with deps.sessions() as s:
        empty = await fx.table(s)
    snap = bundled.load()
    assert empty.rate("KZT") == Rate(snap.per_euro["KZT"], snap.day, "snapshot")
    async with deps.sessions.begin() as s:
        await fx.store(s, Rates(ECB_DAY, {"EUR": D(1), "USD": D("1.05")}, "ecb"))
    async with deps.sessions() as s:
        table = await fx.table(s)
    assert table.rate("USD") == Rate(D("1.05"), ECB_DAY, "ecb")  # the database wins
    assert table.rate("KZT") == empty.rate("KZT")  # the rest still from the snapshot
    assert table.day == ECB_DAY  # the newest of all


async def test_an_older_rate_never_replaces_a_newer_one(deps: Deps) -> None:
    async with deps.sessions.begin() as s:
        await fx.store(s, Rates(CBR_DAY, {"USD": D("1.04")}, "cbr"))
    async with deps.sessions.begin() as s:
        assert await fx.store(s, Rates(ECB_DAY, {"USD": D("1.05"), "JPY": D(160)}, "ecb")) == 1
    async with deps.sessions.begin() as s:
        assert await fx.store(s, Rates(CBR_DAY, {"USD": D("1.06")}, "ecb")) == 1  # same day
    async with deps.sessions() as s:
        table = await fx.table(s)
    assert table.rate("USD") == Rate(D("1.06"), CBR_DAY, "ecb")
    assert table.rate("JPY") == Rate(D(160), ECB_DAY, "ecb")


def test_convert_rounds_to_the_minor_unit_and_knows_what_it_lacks() -> None:
    table = fx.Table({
        "EUR": Rate(D(1), ECB_DAY, "ecb"),
        "CNY": Rate(D("7.5"), ECB_DAY, "ecb"),
        "JPY": Rate(D("160"), ECB_DAY, "ecb"),
        "KWD": Rate(D("0.33"), ECB_DAY, "x"),
    })  # fmt: skip
    assert table.convert(D("10.00"), "CNY", "JPY") == D("213")  # 213.33…, no minor unit
    assert table.convert(D("10.00"), "CNY", "KWD") == D("0.440")  # three decimals
    assert table.convert(D("10.00"), "CNY", "EUR") == D("1.33")
    assert table.convert(D("10.00"), "CNY", "XYZ") is None
    assert table.convert(D("10.00"), "XYZ", "EUR") is None
    assert table.convert(D("10.00"), "XYZ", "XYZ") == D("10.00")
    assert table.per_euro["CNY"] == D("7.5")
