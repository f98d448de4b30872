"""Weidian adapter against the fake vdian API: mapping, token cache, URLs, errors, retries."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from integrations.errors import AuthFailed, BadRequest, NotFound, RateLimited, ServerError, Timeout
from integrations.http import HttpClient
from integrations.marketplaces.weidian import Adapter
from integrations.marketplaces.weidian.codes import error_class
from integrations.types import Availability
from tests.integrations.fakes.weidian import APP_KEY, APP_SECRET, TOKEN_SECONDS, FakeWeidian
from tests.integrations.helpers import FastSleep, fails_every_time, fake_fixture, recovers

BAG = "2731485613"
SOAP = "2731485614"


fake = fake_fixture(FakeWeidian)


def env(fake: FakeWeidian, **overrides: str) -> dict[str, str]:
    values = {
        "WEIDIAN_APP_KEY": APP_KEY,
        "WEIDIAN_APP_SECRET": APP_SECRET,
        "WEIDIAN_API_BASE": fake.base,
    }
    return values | overrides


@pytest.fixture
def adapter(fake: FakeWeidian, http: HttpClient) -> Adapter:
    return Adapter(env(fake), http)


# --------------------------------------------------------------------------- mapping


async def test_item_maps_to_unified_product(adapter: Adapter) -> None:
    product = await adapter.item(BAG)

    assert product.marketplace == "weidian"
    assert product.external_id == BAG
    assert product.title == "【现货】日系复古帆布包 大容量单肩包 学生"
    assert product.description == "加厚帆布 可放A4 & 笔记本电脑"
    assert product.url == f"https://weidian.com/item.html?itemID={BAG}"
    assert product.image_url == "https://si.geilicdn.com/vshop1642388722-1571299781281-1.jpg"
    assert (product.category, product.seller) == ("包包", "1642388722")
    assert product.raw["merchant_code"] == "BAG-01"

    white, black = product.skus
    assert (white.external_id, white.offer.price, white.offer.currency) == (
        "5194330696",
        Decimal("89.00"),
        "CNY",
    )
    assert black.offer.price == Decimal("92.50")
    assert white.attributes == {"规格": "米白色"}
    assert black.attributes == {"规格": "黑色 加厚款"}
    assert (white.stock, white.availability) == (20, Availability.IN_STOCK)
    assert (black.stock, black.availability) == (0, Availability.OUT_OF_STOCK)
    assert white.image_url == "https://si.geilicdn.com/vshop1642388722-white.jpg"
    assert white.raw["sku_merchant_code"] == "BAG-01-W"


async def test_item_without_skus_is_one_sku(adapter: Adapter) -> None:
    product = await adapter.item(SOAP)

    (sku,) = product.skus
    assert (sku.external_id, sku.offer.price, sku.stock) == (SOAP, Decimal("25.00"), 100)
    assert (sku.attributes, product.image_url, product.category) == ({}, None, "")


async def test_request_format(adapter: Adapter, fake: FakeWeidian) -> None:
    await adapter.item(BAG)

    (call,) = fake.calls
    assert call["method"] == "POST"
    assert call["public"] == {
        "method": "vdian.item.get",
        "access_token": "wd-token-1",
        "version": "1.0",
        "format": "json",
    }
    assert call["param"] == {"itemid": BAG}


# --------------------------------------------------------------------------- token


async def test_token_is_cached_across_calls(adapter: Adapter, fake: FakeWeidian) -> None:
    await adapter.item(BAG)
    await adapter.item(SOAP)

    assert fake.token_requests == 1
    assert len(fake.calls) == 2


async def test_concurrent_calls_share_one_token_request(
    adapter: Adapter, fake: FakeWeidian
) -> None:
    await asyncio.gather(adapter.item(BAG), adapter.item(SOAP), adapter.item(BAG))
    assert fake.token_requests == 1


async def test_token_is_refreshed_after_its_expiry(adapter: Adapter, fake: FakeWeidian) -> None:
    now = [1000.0]
    adapter.clock = lambda: now[0]
    await adapter.item(BAG)
    now[0] += TOKEN_SECONDS - 120  # still inside the lifetime, minus the safety margin
    await adapter.item(BAG)
    assert fake.token_requests == 1

    now[0] += 120
    await adapter.item(BAG)
    assert fake.token_requests == 2
    assert fake.calls[-1]["public"]["access_token"] == "wd-token-2"


async def test_token_expired_on_the_server_is_refreshed_once(
    adapter: Adapter, fake: FakeWeidian
) -> None:
    await adapter.item(BAG)
    fake.expire_tokens()

    product = await adapter.item(SOAP)

    assert product.external_id == SOAP
    assert fake.token_requests == 2
    tokens = [call["public"]["access_token"] for call in fake.calls]
    assert tokens == ["wd-token-1", "wd-token-1", "wd-token-2"]


async def test_token_refused_again_after_refresh_is_auth_failed(
    adapter: Adapter, fake: FakeWeidian
) -> None:
    fake.reject_tokens = True
    with pytest.raises(AuthFailed) as caught:
        await adapter.item(BAG)
    assert caught.value.code == "10013"
    assert fake.token_requests == 2  # the first token and one refresh, no loop
    assert len(fake.calls) == 2


async def test_wrong_secret_is_auth_failed(fake: FakeWeidian, http: HttpClient) -> None:
    adapter = Adapter(env(fake, WEIDIAN_APP_SECRET="wrong"), http)
    with pytest.raises(AuthFailed):
        await adapter.item(BAG)
    assert fake.calls == []


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://weidian.com/item.html?itemID=2731485613", BAG),
        ("weidian.com/item.html?itemID=2731485613", BAG),
        ("https://weidian.com/item.html?itemId=2731485613&spider_token=abc", BAG),
        ("https://weidian.com/item.html?wfr=wx&itemid=2731485613", BAG),
        ("http://shop.weidian.com/item.html?itemID=2731485613", BAG),
        ("https://m.weidian.com/item.html?itemID=2731485613#detail", BAG),
        ("https://shop1642388722.v.weidian.com/item.html?itemID=2731485613", BAG),
    ],
)
def test_parse_url_recognises_weidian_links(url: str, expected: str) -> None:
    assert Adapter.parse_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://weidian.com.evil.example/item.html?itemID=2731485613",
        "https://evilweidian.com/item.html?itemID=2731485613",
        "https://evil.example/?u=https://weidian.com/item.html?itemID=2731485613",
        "https://weidian.com@evil.example/item.html?itemID=2731485613",
        "https://weidian.com/item.html?itemID=27314x",
        "https://weidian.com/item.html?otheritemID=2731485613",
        "https://weidian.com/shop.html?userid=1642388722",
        "https://detail.1688.com/offer/573741401425.html",
    ],
)
def test_parse_url_rejects_other_and_look_alike_links(url: str) -> None:
    assert Adapter.parse_url(url) is None


# --------------------------------------------------------------------------- errors


async def test_unknown_item_is_not_found(adapter: Adapter) -> None:
    with pytest.raises(NotFound) as caught:
        await adapter.item("1")
    assert caught.value.code == "10008"


async def test_not_an_item_id_is_bad_request(adapter: Adapter, fake: FakeWeidian) -> None:
    with pytest.raises(BadRequest):
        await adapter.item("bag")
    assert fake.token_requests == 0


@pytest.mark.parametrize(
    ("code", "reason", "expected"),
    [
        ("10013", "access_token过期", AuthFailed),
        ("10008", "非法请求(这个商品已经创建折扣了-2)", BadRequest),
        ("10008", "非法请求(商品不存在)", NotFound),
        ("99999", "调用过于频繁", RateLimited),
        ("99999", "something else", BadRequest),
    ],
)
def test_status_codes_map_to_the_error_tree(code: str, reason: str, expected: type) -> None:
    assert error_class(code, reason) is expected


async def test_server_error_is_retried(adapter: Adapter, fake: FakeWeidian) -> None:
    await recovers(fake, ["500", "500"], adapter.item(BAG))


async def test_http_429_waits_for_retry_after(
    adapter: Adapter, fake: FakeWeidian, sleep: FastSleep
) -> None:
    await recovers(fake, ["429"], adapter.item(BAG))
    assert 3.0 in sleep.delays


async def test_garbage_every_time_is_server_error(adapter: Adapter, fake: FakeWeidian) -> None:
    await fails_every_time(fake, "garbage", adapter.item(BAG), ServerError)


async def test_slow_answer_is_retried(adapter: Adapter, fake: FakeWeidian) -> None:
    await recovers(fake, ["slow"], adapter.item(SOAP))


async def test_slow_every_time_is_timeout(adapter: Adapter, fake: FakeWeidian) -> None:
    fake.slow_seconds = 1.2
    await fails_every_time(fake, "slow", adapter.item(SOAP), Timeout)
