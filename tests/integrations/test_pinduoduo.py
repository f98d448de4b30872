"""Pinduoduo adapter against a fake PDD gateway: mapping, URLs, signing, errors."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from integrations.base import Capability
from integrations.errors import (
    AuthFailed,
    BadRequest,
    NotFound,
    RateLimited,
    ServerError,
    Timeout,
)
from integrations.http import HttpClient, Policy
from integrations.marketplaces.pinduoduo import Adapter
from integrations.marketplaces.pinduoduo.codes import error_for
from integrations.marketplaces.pinduoduo.sign import sign
from tests.integrations.fakes import pinduoduo as fake_pdd
from tests.integrations.fakes.pinduoduo import FakePinduoduo

AIRPODS = "E9H2kmAqX1FHJ8dNwfDgNwQbm1d_JQqK3Kjtgb"


async def no_sleep(_: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture
async def fake() -> AsyncIterator[FakePinduoduo]:
    server = FakePinduoduo()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def http() -> AsyncIterator[HttpClient]:
    client = HttpClient(default=Policy(retries=2, backoff=0, timeout=1), sleep=no_sleep)
    yield client
    await client.close()


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
    # Computed in the shell, independently of sign.py:
    #   P='client_idabc123data_typeJSONkeyword蓝牙耳机page1page_size20timestamp1767225600'\
    #     'typepdd.ddk.goods.search'
    #   printf '%s' "testSecret${P}testSecret" | md5sum   (then upper-cased)
    assert sign(params, "testSecret") == "E1A9CC8F5826F613A171FF41FFA2EC99"
    assert sign(params | {"sign": "ignored"}, "testSecret") == "E1A9CC8F5826F613A171FF41FFA2EC99"


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


async def test_bad_signature_is_auth_failed(fake: FakePinduoduo, http: HttpClient) -> None:
    adapter = Adapter(env(fake, PINDUODUO_CLIENT_SECRET="wrong"), http)
    with pytest.raises(AuthFailed) as caught:
        await adapter.item(AIRPODS)
    assert caught.value.code == "20004"


async def test_unknown_client_id_is_auth_failed(fake: FakePinduoduo, http: HttpClient) -> None:
    adapter = Adapter(env(fake, PINDUODUO_CLIENT_ID="nobody"), http)
    with pytest.raises(AuthFailed) as caught:
        await adapter.search("耳机")
    assert caught.value.code == "10016"


async def test_missing_goods_is_not_found(adapter: Adapter) -> None:
    with pytest.raises(NotFound):
        await adapter.item("NoSuchGoodsSign")


def test_generic_business_error_follows_sub_code() -> None:
    retry = error_for({"error_code": 50001, "sub_code": "isv.goods-service-error:1001"})
    refused = error_for({"error_code": 50001, "sub_code": "isv.invalid-parameter:goods_sign"})
    assert isinstance(retry, ServerError)
    assert isinstance(refused, BadRequest)


async def test_rate_limit_is_retried_then_raised(adapter: Adapter, fake: FakePinduoduo) -> None:
    fake.plan = ["ratelimit"] * 3
    with pytest.raises(RateLimited) as caught:
        await adapter.search("耳机")
    assert caught.value.code == "70031"
    assert len(fake.calls) == 3


async def test_http_429_is_retried_then_raised(adapter: Adapter, fake: FakePinduoduo) -> None:
    fake.plan = ["429"] * 3
    with pytest.raises(RateLimited):
        await adapter.search("耳机")
    assert len(fake.calls) == 3


async def test_retry_succeeds_after_one_500(adapter: Adapter, fake: FakePinduoduo) -> None:
    fake.plan = ["500"]
    assert len(await adapter.search("耳机")) == 1
    assert len(fake.calls) == 2


@pytest.mark.parametrize("action", ["garbage", "shapeless"])
async def test_garbage_is_server_error(adapter: Adapter, fake: FakePinduoduo, action: str) -> None:
    fake.plan = [action] * 3
    with pytest.raises(ServerError):
        await adapter.item(AIRPODS)
    assert len(fake.calls) == 3


async def test_slow_answer_is_timeout(adapter: Adapter, fake: FakePinduoduo) -> None:
    fake.plan = ["slow"] * 3
    with pytest.raises(Timeout):
        await adapter.item(AIRPODS)
