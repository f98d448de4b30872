"""Pinduoduo adapter against a fake PDD gateway: mapping, URLs, signing, errors."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from integrations.base import Capability
from integrations.errors import AuthFailed, BadRequest, NotFound, RateLimited, ServerError
from integrations.http import HttpClient
from integrations.marketplaces.pinduoduo import Adapter
from integrations.marketplaces.pinduoduo.codes import error_for
from integrations.marketplaces.signing import md5_wrapped
from tests.integrations.fakes import pinduoduo as fake_pdd
from tests.integrations.fakes.pinduoduo import FakePinduoduo
from tests.integrations.helpers import FAILING_EVERY_TIME, fails_every_time, fake_fixture, recovers

AIRPODS = "E9H2kmAqX1FHJ8dNwfDgNwQbm1d_JQqK3Kjtgb"


fake = fake_fixture(FakePinduoduo)


def env(fake: FakePinduoduo, **overrides: str) -> dict[str, str]:
    return {
        "PINDUODUO_CLIENT_ID": fake_pdd.CLIENT_ID,
        "PINDUODUO_CLIENT_SECRET": fake_pdd.SECRET,
        "PINDUODUO_API_BASE": fake.api_base,
    } | overrides


@pytest.fixture
def adapter(fake: FakePinduoduo, http: HttpClient) -> Adapter:
    return Adapter(env(fake), http)


def test_manifest() -> None:
    manifest = Adapter.manifest
    assert manifest.name == "pinduoduo"
    assert manifest.credentials == ("PINDUODUO_CLIENT_ID", "PINDUODUO_CLIENT_SECRET")
    assert manifest.optional == ("PINDUODUO_PID",)
    assert manifest.api_base == "https://gw-api.pinduoduo.com/api/router"
    assert manifest.capabilities == {Capability.SEARCH, Capability.ITEM, Capability.URLS}


def test_sign_known_answer() -> None:
    params = {
        "type": "pdd.ddk.goods.search",
        "client_id": "abc123",
        "timestamp": "1767225600",
        "data_type": "JSON",
        "keyword": "蓝牙耳机",
        "page": "1",
        "page_size": "20",
    }
    # Computed in the shell, independently of signing.py:
    #   P='client_idabc123data_typeJSONkeyword蓝牙耳机page1page_size20timestamp1767225600'\
    #     'typepdd.ddk.goods.search'
    #   printf '%s' "testSecret${P}testSecret" | md5sum   (then upper-cased)
    assert md5_wrapped(params, "testSecret") == "E1A9CC8F5826F613A171FF41FFA2EC99"
    assert (
        md5_wrapped(params | {"sign": "ignored"}, "testSecret")
        == "E1A9CC8F5826F613A171FF41FFA2EC99"
    )


# --------------------------------------------------------------------------- mapping


async def test_search_maps_fen_and_coupon(adapter: Adapter, fake: FakePinduoduo) -> None:
    products = await adapter.search("耳机")
    assert [p.external_id for p in products] == [AIRPODS]  # the priceless goods are skipped
    (product,) = products
    assert product.marketplace == "pinduoduo"
    assert product.title == "【百亿补贴】Apple AirPods Pro 2 无线蓝牙降噪耳机"
    assert product.url == "https://mobile.yangkeduo.com/goods.html?goods_id=392738271943"
    assert product.seller == "数码官方旗舰店"
    offer = product.skus[0].offer
    assert (offer.price, offer.currency) == (Decimal("1399.00"), "CNY")
    promo = offer.promotion
    assert promo is not None
    assert (promo.price, promo.label) == (Decimal("1299.00"), "券后价")
    assert promo.starts_at == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert promo.ends_at == datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC)
    assert product.raw["min_normal_price"] == 149900
    call = fake.calls[-1]
    assert (call["type"], call["keyword"], call["page"], call["data_type"]) == (
        "pdd.ddk.goods.search",
        "耳机",
        "1",
        "JSON",
    )
    assert abs(int(call["timestamp"]) - time.time()) < 60


async def test_item_by_goods_sign(adapter: Adapter, fake: FakePinduoduo) -> None:
    product = await adapter.item(AIRPODS)
    assert product.external_id == AIRPODS
    assert product.description == "主动降噪，自适应通透模式"
    assert fake.calls[-1]["goods_sign"] == AIRPODS


async def test_item_by_goods_id_uses_legacy_list(adapter: Adapter, fake: FakePinduoduo) -> None:
    product = await adapter.item("512345678901")
    assert product.title == "云南高山小土豆 新鲜黄心土豆 5斤装"
    assert product.skus[0].offer.price == Decimal("9.90")
    assert product.skus[0].offer.promotion is None
    assert json.loads(fake.calls[-1]["goods_id_list"]) == [512345678901]


async def test_pid_is_sent_when_set(fake: FakePinduoduo, http: HttpClient) -> None:
    adapter = Adapter(env(fake, PINDUODUO_PID="1234567_89012345"), http)
    await adapter.item(AIRPODS)
    assert fake.calls[-1]["pid"] == "1234567_89012345"


async def test_goods_without_price_is_an_unexpected_answer(adapter: Adapter) -> None:
    with pytest.raises(ServerError, match="unexpected answer"):
        await adapter.item("BROKEN")


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "goods_id"),
    [
        ("https://mobile.yangkeduo.com/goods.html?goods_id=392738271943", "392738271943"),
        ("https://mobile.yangkeduo.com/goods2.html?ps=abc&goods_id=1001", "1001"),
        ("https://yangkeduo.com/goods.html?goods_id=1002&_wvx=10", "1002"),
        ("https://pinduoduo.com/goods.html?goods_id=1003", "1003"),
        ("http://mobile.yangkeduo.com/goods.html?refer_page_name=index&goods_id=1004", "1004"),
    ],
)
def test_url_patterns(url: str, goods_id: str) -> None:
    assert Adapter.parse_url(url) == goods_id


@pytest.mark.parametrize(
    "url",
    [
        "https://mobile.yangkeduo.com.evil.example/goods.html?goods_id=1",
        "https://evilyangkeduo.com/goods.html?goods_id=1",
        "https://mobile.yangkeduo.com/goods.html?xgoods_id=1",
        "https://mobile.yangkeduo.com/goods.html?other_goods_id=1",
        "https://evil.example/?next=https://mobile.yangkeduo.com/goods.html?goods_id=1",
        "https://mobile.yangkeduo.com/mall_page.html?mall_id=1",
        "https://item.taobao.com/item.htm?id=1",
    ],
)
def test_url_patterns_reject(url: str) -> None:
    assert Adapter.parse_url(url) is None


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        pytest.param({"PINDUODUO_CLIENT_SECRET": "wrong"}, "20004", id="bad-signature"),
        pytest.param({"PINDUODUO_CLIENT_ID": "nobody"}, "10016", id="unknown-client-id"),
    ],
)
async def test_refused_credentials_are_auth_failed(
    fake: FakePinduoduo, http: HttpClient, overrides: dict[str, str], code: str
) -> None:
    adapter = Adapter(env(fake, **overrides), http)
    for call in (lambda: adapter.item(AIRPODS), lambda: adapter.search("耳机")):
        with pytest.raises(AuthFailed) as caught:
            await call()
        assert caught.value.code == code


async def test_missing_goods_is_not_found(adapter: Adapter) -> None:
    with pytest.raises(NotFound):
        await adapter.item("NoSuchGoodsSign")


def test_generic_business_error_follows_sub_code() -> None:
    retry = error_for({"error_code": 50001, "sub_code": "isv.goods-service-error:1001"})
    refused = error_for({"error_code": 50001, "sub_code": "isv.invalid-parameter:goods_sign"})
    assert isinstance(retry, ServerError)
    assert isinstance(refused, BadRequest)


async def test_rate_limit_is_retried_then_raised(adapter: Adapter, fake: FakePinduoduo) -> None:
    caught = await fails_every_time(fake, "ratelimit", adapter.search("耳机"), RateLimited)
    assert caught.code == "70031"


async def test_http_429_on_search_is_retried_then_raised(
    adapter: Adapter, fake: FakePinduoduo
) -> None:
    await fails_every_time(fake, "429", adapter.search("耳机"), RateLimited)


async def test_retry_succeeds_after_one_500(adapter: Adapter, fake: FakePinduoduo) -> None:
    assert len(await recovers(fake, ["500"], adapter.search("耳机"))) == 1


@pytest.mark.parametrize(("step", "error"), FAILING_EVERY_TIME)
async def test_failing_every_time_is_raised(
    adapter: Adapter, fake: FakePinduoduo, step: str, error: type[Exception]
) -> None:
    await fails_every_time(fake, step, adapter.item(AIRPODS), error)
