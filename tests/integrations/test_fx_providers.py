"""Rates providers against local fakes: the Bank of Russia (windows-1251 XML), Open Exchange
Rates (JSON with an app id), the bundled snapshot, and merging them per currency."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import date
from decimal import Context, Decimal
from typing import Any

import pytest

from bot.regions import CURRENCIES
from integrations.errors import (
    AuthFailed,
    NetworkError,
    NotConfigured,
    RateLimited,
    ServerError,
    Timeout,
)
from integrations.fx import Rate, Rates, RatesProvider, fetch_merged, merge
from integrations.fx import snapshot as bundled
from integrations.fx.cbr import CbrRates
from integrations.fx.ecb import EcbRates
from integrations.fx.openexchangerates import OpenExchangeRates
from integrations.fx.snapshot import SnapshotRates
from integrations.http import HttpClient
from tests.integrations.fakes.cbr import VALUTES, FakeCbr, Valute, document
from tests.integrations.fakes.openexchangerates import APP_ID, FakeOpenExchangeRates
from tests.integrations.helpers import fails_every_time, recovers

D = Decimal


@pytest.fixture
async def cbr_fake() -> AsyncIterator[FakeCbr]:
    async with FakeCbr() as server:
        yield server


@pytest.fixture
async def oxr_fake() -> AsyncIterator[FakeOpenExchangeRates]:
    async with FakeOpenExchangeRates() as server:
        yield server


def cbr(fake: FakeCbr, http: HttpClient) -> CbrRates:
    return CbrRates({"CBR_API_BASE": fake.api_base}, http)


def oxr(fake: FakeOpenExchangeRates, http: HttpClient, app_id: str = APP_ID) -> OpenExchangeRates:
    env = {"OPENEXCHANGERATES_APP_ID": app_id, "OPENEXCHANGERATES_API_BASE": fake.api_base}
    return OpenExchangeRates(env, http)


# --------------------------------------------------------------------------- Bank of Russia

KNOWN = [  # roubles: EUR 100, so X per euro = 100 / (roubles per X), worked out by hand
    Valute("EUR", 1, "100,0000", "Евро"),
    Valute("USD", 1, "80,0000", "Доллар США"),  # 100 / 80 = 1.25
    Valute("CNY", 1, "12,5000", "Китайский юань"),  # 100 / 12.5 = 8
    Valute("KZT", 100, "20,0000", "Казахстанских тенге"),  # 0.2 a tenge: 500
    Valute("JPY", 100, "62,5000", "Японских иен", "0,625"),  # 160
    Valute("VND", 10000, "40,0000", "Вьетнамских донгов", "0,004"),  # 25000
    Valute("GBP", 1, "120,0000", "Фунт стерлингов"),  # 0.8333… to 10 digits
    Valute("UAH", 10, "22,5000", "Украинских гривен"),  # 2.25 a hryvnia: 44.444…
    Valute("AED", 1, "30,0000", "Дирхам ОАЭ"),  # 3.333…
    Valute("XDR", 1, "нет", "СДР"),  # not a number: left out
    Valute("", 1, "1,0000", "Без кода"),  # no code: left out
]


async def test_cbr_known_answer(cbr_fake: FakeCbr, http: HttpClient) -> None:
    cbr_fake.day, cbr_fake.valutes = date(2025, 2, 1), KNOWN
    rates = await cbr(cbr_fake, http).latest()
    assert rates.source == "cbr" and rates.day == date(2025, 2, 1)
    assert dict(rates.per_euro) == {
        "EUR": D(1),
        "RUB": D("100.0000"),
        "USD": D("1.25"),
        "CNY": D(8),
        "KZT": D(500),
        "JPY": D(160),
        "VND": D(25000),
        "GBP": D("0.8333333333"),
        "UAH": D("44.44444444"),
        "AED": D("3.333333333"),
    }
    assert str(rates.per_euro["KZT"]) == "500"  # stored as written, not 5E+2
    assert cbr_fake.calls == [{}]


async def test_cbr_real_document_is_read_in_windows_1251(
    cbr_fake: FakeCbr, http: HttpClient
) -> None:
    body = document(cbr_fake.day, VALUTES)
    assert "Доллар США".encode("cp1251") in body  # real windows-1251 bytes on the wire
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    rates = await cbr(cbr_fake, http).latest()
    assert rates.day == date(2024, 10, 4)
    assert rates.per_euro["RUB"] == D("104.8664")
    for v in VALUTES:  # X per euro times roubles per X gives back roubles per euro
        per_unit = D(v.value.replace(",", ".")) / v.nominal
        assert abs(rates.per_euro[v.code] * per_unit - D("104.8664")) < D("0.0001")


async def test_cbr_takes_the_declared_encoding_and_the_http_charset(
    cbr_fake: FakeCbr, http: HttpClient
) -> None:
    text = '<ValCurs Date="04.10.2024"><Valute><CharCode>EUR</CharCode><Nominal>1</Nominal>'
    text += "<Value>104,8664</Value><Name>Евро</Name></Valute></ValCurs>"
    cbr_fake.document = text.encode("cp1251")  # no declaration: windows-1251 assumed
    assert (await cbr(cbr_fake, http).latest()).per_euro["RUB"] == D("104.8664")
    cbr_fake.document = ('<?xml version="1.0" encoding="utf-8"?>' + text).encode("utf-8")
    assert (await cbr(cbr_fake, http).latest()).per_euro["RUB"] == D("104.8664")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>503 Service Unavailable</html>", "no ValCurs"),
        (b"<ValCurs Date=", "not XML"),
        (b'<ValCurs Date="32.13.2024"><Valute><CharCode>EUR</CharCode><Nominal>1</Nominal>'
         b"<Value>1</Value></Valute></ValCurs>", "bad rates date"),
        (b'<ValCurs Date="04.10.2024"><Valute><CharCode>USD</CharCode><Nominal>1</Nominal>'
         b"<Value>95,0262</Value></Valute></ValCurs>", "no EUR rate"),
        (b'<ValCurs Date="04.10.2024"></ValCurs>', "lists no currency"),
        (b'<?xml version="1.0" encoding="x-no-such"?><ValCurs/>', "not in x-no-such"),
    ],
)  # fmt: skip
async def test_cbr_documents_that_do_not_parse(
    cbr_fake: FakeCbr, http: HttpClient, body: bytes, reason: str
) -> None:
    cbr_fake.document = body
    with pytest.raises(ServerError, match=reason):
        await cbr(cbr_fake, http).latest()
    assert len(cbr_fake.calls) == 3  # a garbled answer is the provider failing: retried


async def test_cbr_refuses_a_dtd(cbr_fake: FakeCbr, http: HttpClient) -> None:
    await fails_every_time(cbr_fake, "dtd", cbr(cbr_fake, http).latest(), ServerError)


async def test_cbr_retries_and_recovers(cbr_fake: FakeCbr, http: HttpClient) -> None:
    rates = await recovers(cbr_fake, ["500", "garbage"], cbr(cbr_fake, http).latest())
    assert rates.per_euro["RUB"] == D("104.8664")


@pytest.mark.parametrize(("step", "error"), [("500", ServerError), ("slow", Timeout)])
async def test_cbr_down(cbr_fake: FakeCbr, http: HttpClient, step: str, error: type) -> None:
    await fails_every_time(cbr_fake, step, cbr(cbr_fake, http).latest(), error)


# --------------------------------------------------------------------------- Open Exchange Rates


async def test_oxr_known_answer(oxr_fake: FakeOpenExchangeRates, http: HttpClient) -> None:
    oxr_fake.rates = {"USD": 1, "EUR": 0.8, "RUB": 80, "JPY": 144, "KZT": 500.5, "XAU": "x"}
    rates = await oxr(oxr_fake, http).latest()
    assert rates.source == "openexchangerates"
    assert rates.day == date(2025, 5, 30)  # 1748595600 is 2025-05-30 09:00 UTC
    assert dict(rates.per_euro) == {  # X / 0.8, by hand
        "EUR": D(1), "USD": D("1.25"), "RUB": D(100), "JPY": D(180), "KZT": D("625.625"),
    }  # fmt: skip
    assert oxr_fake.calls == [{"app_id": APP_ID}]


async def test_oxr_without_app_id_is_not_configured(http: HttpClient) -> None:
    with pytest.raises(NotConfigured) as caught:
        OpenExchangeRates({"OPENEXCHANGERATES_APP_ID": " "}, http)
    assert caught.value.missing == ["OPENEXCHANGERATES_APP_ID"]


async def test_oxr_wrong_app_id_is_rejected_once_and_not_echoed(
    oxr_fake: FakeOpenExchangeRates, http: HttpClient
) -> None:
    secret = "a-wrong-app-id-0000"
    with pytest.raises(AuthFailed) as caught:
        await oxr(oxr_fake, http, secret).latest()
    assert caught.value.code == "invalid_app_id"
    assert secret not in str(caught.value)
    assert len(oxr_fake.calls) == 1  # a refusal is not retried


async def test_oxr_over_quota_is_rate_limited(
    oxr_fake: FakeOpenExchangeRates, http: HttpClient
) -> None:
    oxr_fake.quota = 1
    await oxr(oxr_fake, http).latest()
    with pytest.raises(RateLimited):
        await oxr(oxr_fake, http).latest()


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"timestamp": 1748595600, "base": "USD", "rates": {"USD": 1, "RUB": 80}}, "no EUR rate"),
        ({"timestamp": "today", "base": "USD", "rates": {"EUR": 1}}, "bad rates timestamp"),
        ({"timestamp": 1748595600, "base": "USD"}, "no rates"),
        ([1, 2], "not a JSON object"),
    ],
)
async def test_oxr_answers_that_do_not_parse(
    oxr_fake: FakeOpenExchangeRates, http: HttpClient, payload: Any, reason: str
) -> None:
    oxr_fake.payload = payload
    with pytest.raises(ServerError, match=reason):
        await oxr(oxr_fake, http).latest()


@pytest.mark.parametrize(
    ("step", "error"), [("garbage", ServerError), ("429", RateLimited), ("slow", Timeout)]
)
async def test_oxr_not_json_or_down(
    oxr_fake: FakeOpenExchangeRates, http: HttpClient, step: str, error: type
) -> None:
    await fails_every_time(oxr_fake, step, oxr(oxr_fake, http).latest(), error)


# --------------------------------------------------------------------------- the snapshot


def test_snapshot_covers_every_offered_currency_with_a_date_and_a_source() -> None:
    rates = bundled.load()
    assert set(CURRENCIES) <= set(rates.per_euro)
    assert rates.source == "snapshot" and rates.day == date(2025, 5, 30)
    raw = json.loads(bundled.PATH.read_text(encoding="utf-8"))
    assert "Open Exchange Rates" in raw["source"] and raw["note"]


async def test_snapshot_is_the_oxr_answer_it_names(
    oxr_fake: FakeOpenExchangeRates, http: HttpClient
) -> None:
    """The snapshot's per-euro figures are what the OXR client makes of the per_usd figures it
    keeps, to the 6 significant digits the file states."""
    raw = json.loads(bundled.PATH.read_text(encoding="utf-8"))
    oxr_fake.rates = {code: D(text) for code, text in raw["per_usd"].items()}
    fetched = await oxr(oxr_fake, http).latest()
    assert fetched.day == bundled.load().day
    six = Context(prec=6)
    for code, value in bundled.load().per_euro.items():
        assert six.plus(fetched.per_euro[code]) == value, code


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"day": "2025-05-30", "source": "x", "per_euro": {"EUR": "1", "USD": "-1"}}, "bad rate"),
        ({"day": "2025-05-30", "source": "x", "per_euro": {"EUR": "1", "usd": "1"}}, "bad rate"),
        ({"day": "2025-05-30", "source": "x", "per_euro": {"EUR": "2"}}, "EUR must be 1"),
        ({"day": "someday", "source": "x", "per_euro": {"EUR": "1"}}, "bad day"),
        ({"day": "2025-05-30", "per_euro": {"EUR": "1"}}, "no source"),
        ({"day": "2025-05-30", "source": "x"}, "no per_euro"),
    ],
)
def test_a_broken_snapshot_says_what_is_wrong(document: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        bundled.parse(document)


# --------------------------------------------------------------------------- merging


def test_merge_keeps_the_first_providers_value_day_and_source() -> None:
    ecb = Rates(date(2026, 11, 25), {"EUR": D(1), "USD": D("1.05")}, "ecb")
    cbr_ = Rates(date(2026, 11, 26), {"EUR": D(1), "USD": D("1.04"), "RUB": D("92.1")}, "cbr")
    merged = merge([ecb, cbr_])
    assert merged == {
        "EUR": Rate(D(1), date(2026, 11, 25), "ecb"),
        "USD": Rate(D("1.05"), date(2026, 11, 25), "ecb"),
        "RUB": Rate(D("92.1"), date(2026, 11, 26), "cbr"),
    }
    assert merge([cbr_, ecb])["USD"] == Rate(D("1.04"), date(2026, 11, 26), "cbr")


class Down:
    async def latest(self) -> Rates:
        raise NetworkError("connection refused", provider="down")


async def test_a_provider_down_is_logged_and_skipped(
    cbr_fake: FakeCbr, http: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    providers: list[RatesProvider] = [Down(), cbr(cbr_fake, http), SnapshotRates()]
    assert all(isinstance(p, RatesProvider) for p in providers)
    with caplog.at_level(logging.WARNING):
        merged = await fetch_merged(providers)
    assert "down: connection refused" in caplog.text
    assert merged["RUB"] == Rate(D("104.8664"), date(2024, 10, 4), "cbr")
    assert merged["MYR"].source == "snapshot"  # the Bank of Russia has no ringgit


async def test_ecb_unreachable_cbr_and_oxr_fill_in(
    cbr_fake: FakeCbr, oxr_fake: FakeOpenExchangeRates, http: HttpClient
) -> None:
    ecb = EcbRates({"ECB_API_BASE": "http://127.0.0.1:9"}, http)  # nothing listens there
    merged = await fetch_merged([ecb, cbr(cbr_fake, http), oxr(oxr_fake, http)])
    assert merged["USD"].source == "cbr" and merged["MYR"].source == "openexchangerates"
    assert merged["MYR"].day == date(2025, 5, 30)


async def test_every_provider_down_raises_the_first_error(
    cbr_fake: FakeCbr, http: HttpClient
) -> None:
    cbr_fake.plan = ["500"] * 3
    with pytest.raises(NetworkError):
        await fetch_merged([Down(), cbr(cbr_fake, http)])
    assert await fetch_merged([]) == {}


async def test_a_bug_in_a_provider_is_not_swallowed() -> None:
    class Broken:
        async def latest(self) -> Rates:
            raise KeyError("bug")

    with pytest.raises(KeyError):
        await fetch_merged([Broken(), SnapshotRates()])
