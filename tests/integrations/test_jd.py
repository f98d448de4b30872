"""JD adapter against a fake JD routerjson gateway: mapping, URLs, signing, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from integrations.base import Capability
from integrations.errors import AuthFailed, BadRequest, NotFound, RateLimited, ServerError
from integrations.http import HttpClient
from integrations.marketplaces.jd import Adapter
from integrations.marketplaces.signing import md5_wrapped
from tests.integrations.fakes import jd as fake_jd
from tests.integrations.fakes.jd import FakeJd
from tests.integrations.helpers import FAILING_EVERY_TIME, fails_every_time, fake_fixture, recovers

IPHONE = "100012043978"


fake = fake_fixture(FakeJd)


def env(fake: FakeJd, **overrides: str) -> dict[str, str]:
    return {
        "JD_APP_KEY": fake_jd.APP_KEY,
        "JD_APP_SECRET": fake_jd.SECRET,
        "JD_API_BASE": fake.api_base,
    } | overrides


@pytest.fixture
def adapter(fake: FakeJd, http: HttpClient) -> Adapter:
    return Adapter(env(fake), http)


def test_manifest() -> None:
    manifest = Adapter.manifest
    assert manifest.name == "jd"
    assert manifest.credentials == ("JD_APP_KEY", "JD_APP_SECRET")
    assert manifest.api_base == "https://api.jd.com/routerjson"
    assert manifest.capabilities == {Capability.SEARCH, Capability.ITEM, Capability.URLS}


def test_sign_known_answer() -> None:
    params = {
        "method": "jd.union.open.goods.query",
        "app_key": "jdkey",
        "timestamp": "2026-01-02 03:04:05",
        "format": "json",
        "v": "1.0",
        "sign_method": "md5",
        "360buy_param_json": '{"goodsReqDTO":{"skuIds":[100012043978],"sceneId":1}}',
    }
    # Computed in the shell, independently of signing.py ("360buy_param_json" sorts first):
    #   J='360buy_param_json{"goodsReqDTO":{"skuIds":[100012043978],"sceneId":1}}app_keyjdkey'\
    #     'formatjsonmethodjd.union.open.goods.querysign_methodmd5timestamp2026-01-02 03:04:05v1.0'
    #   printf '%s' "jdsecret${J}jdsecret" | md5sum   (then upper-cased)
    assert md5_wrapped(params, "jdsecret") == "6ADBB5E671C560766B7BD5533E80609E"


# --------------------------------------------------------------------------- mapping


async def test_item_maps_to_unified_product(adapter: Adapter, fake: FakeJd) -> None:
    product = await adapter.item(IPHONE)
    assert (product.marketplace, product.external_id) == ("jd", IPHONE)
    assert product.title.startswith("Apple iPhone 15 (A3092) 128GB 黑色")
    assert product.url == "https://item.jd.com/100012043978.html"
    assert product.image_url == "https://img14.360buyimg.com/pop/jfs/t1/15.jpg"
    assert (product.brand, product.seller, product.category) == (
        "Apple",
        "Apple产品京东自营旗舰店",
        "手机",
    )
    offer = product.skus[0].offer
    assert (offer.price, offer.currency) == (Decimal("5999.00"), "CNY")
    assert isinstance(offer.price, Decimal)
    promo = offer.promotion
    assert promo is not None
    assert (promo.price, promo.label) == (Decimal("5699.00"), "券后价")
    assert promo.starts_at == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert promo.ends_at == datetime(2026, 1, 31, 15, 59, 59, tzinfo=UTC)
    assert product.raw["inOrderCount30Days"] == 12000
    call = fake.calls[-1]
    assert (call["method"], call["v"], call["format"], call["sign_method"]) == (
        "jd.union.open.goods.query",
        "1.0",
        "json",
        "md5",
    )
    assert json.loads(call["360buy_param_json"]) == {
        "goodsReqDTO": {"skuIds": [100012043978], "sceneId": 1}
    }


async def test_search_maps_string_prices(adapter: Adapter, fake: FakeJd) -> None:
    products = await adapter.search("洗衣液", page=1, page_size=10)
    assert [p.external_id for p in products] == ["100008348542"]  # priceless goods skipped
    offer = products[0].skus[0].offer
    assert offer.price == Decimal("59.90")
    assert offer.promotion is not None
    assert (offer.promotion.price, offer.promotion.label) == (Decimal("49.90"), "促销价")
    request = json.loads(fake.calls[-1]["360buy_param_json"])["goodsReqDTO"]
    assert request == {"keyword": "洗衣液", "pageIndex": 1, "pageSize": 10, "sceneId": 1}


async def test_goods_without_price_is_an_unexpected_answer(adapter: Adapter) -> None:
    with pytest.raises(ServerError, match="unexpected answer"):
        await adapter.item("100000000777")


async def test_non_numeric_sku_is_bad_request(adapter: Adapter, fake: FakeJd) -> None:
    with pytest.raises(BadRequest):
        await adapter.item("abc")
    assert fake.calls == []


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "sku"),
    [
        ("https://item.jd.com/100012043978.html", "100012043978"),
        ("item.jd.com/100012043978.html?bbtf=1#crumb-wrap", "100012043978"),
        ("https://item.m.jd.com/product/100008348542.html?utm_source=x", "100008348542"),
        ("https://item.jd.hk/10023.html", "10023"),
        ("https://npcitem.jd.hk/10024.html", "10024"),
    ],
)
def test_url_patterns(url: str, sku: str) -> None:
    assert Adapter.parse_url(url) == sku


@pytest.mark.parametrize(
    "url",
    [
        "https://item.jd.com.evil.example/100012043978.html",
        "https://fakeitem.jd.com/100012043978.html",
        "https://item.jd.com/100012043978.htmlx",
        "https://item.jd.com/abc.html",
        "https://evil.example/?u=https://item.jd.com/1.html",
        "https://item.m.jd.com/100012043978.html",
        "https://www.jd.com/",
    ],
)
def test_url_patterns_reject(url: str) -> None:
    assert Adapter.parse_url(url) is None


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        pytest.param({"JD_APP_SECRET": "wrong"}, "12", id="bad-signature"),
        pytest.param({"JD_APP_KEY": "nobody"}, "21", id="unknown-app-key"),
    ],
)
async def test_refused_credentials_are_auth_failed(
    fake: FakeJd, http: HttpClient, overrides: dict[str, str], code: str
) -> None:
    adapter = Adapter(env(fake, **overrides), http)
    with pytest.raises(AuthFailed) as caught:
        await adapter.item(IPHONE)
    assert caught.value.code == code


async def test_missing_sku_is_not_found(adapter: Adapter) -> None:
    with pytest.raises(NotFound):
        await adapter.item("1")


async def test_query_result_code_maps_through_table(adapter: Adapter, fake: FakeJd) -> None:
    caught = await fails_every_time(fake, "query500", adapter.item(IPHONE), ServerError)
    assert caught.code == "500"


async def test_retry_succeeds_after_one_500(adapter: Adapter, fake: FakeJd) -> None:
    assert (await recovers(fake, ["500"], adapter.item(IPHONE))).external_id == IPHONE


@pytest.mark.parametrize(("step", "error"), [*FAILING_EVERY_TIME, ("ratelimit", RateLimited)])
async def test_failing_every_time_is_raised(
    adapter: Adapter, fake: FakeJd, step: str, error: type[Exception]
) -> None:
    await fails_every_time(fake, step, adapter.item(IPHONE), error)
