"""1688 adapter against the fake gateway: mapping, signing, URLs, errors and retries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrations.errors import AuthFailed, BadRequest, NotFound, RateLimited, ServerError
from integrations.http import HttpClient
from integrations.marketplaces.alibaba1688 import Adapter
from integrations.marketplaces.alibaba1688.sign import signature, signing_string, url_path
from integrations.types import Availability
from tests.integrations.fakes.alibaba1688 import ACCESS_TOKEN, APP_KEY, APP_SECRET, Fake1688
from tests.integrations.helpers import FastSleep, fails_every_time, fake_fixture, recovers

fake = fake_fixture(Fake1688)


def env(fake: Fake1688, **overrides: str) -> dict[str, str]:
    values = {
        "ALIBABA1688_APP_KEY": APP_KEY,
        "ALIBABA1688_APP_SECRET": APP_SECRET,
        "ALIBABA1688_ACCESS_TOKEN": ACCESS_TOKEN,
        "ALIBABA1688_API_BASE": f"{fake.base}/openapi",
    }
    return values | overrides


@pytest.fixture
def adapter(fake: Fake1688, http: HttpClient) -> Adapter:
    return Adapter(env(fake), http)


# --------------------------------------------------------------------------- mapping


async def test_item_maps_wholesale_offer_with_tiers(adapter: Adapter) -> None:
    product = await adapter.item("573741401425")

    assert product.marketplace == "alibaba1688"
    assert product.external_id == "573741401425"
    assert product.title == "2024夏季新款纯棉短袖T恤 & 宽松男女同款"
    assert product.description == "精梳纯棉 支持一件代发"
    assert product.url == "https://detail.1688.com/offer/573741401425.html"
    assert product.image_url == (
        "https://cbu01.alicdn.com/img/ibank/2024/766/624/1652426667_642119312.jpg"
    )
    assert (product.category, product.brand, product.seller) == ("T恤", "优品", "义乌优品服饰厂")
    assert product.raw["productInfo"]["productID"] == 573741401425

    white, black = product.skus
    # Price of the lowest quantity tier (startQuantity 2), whatever the tiers' order.
    assert white.offer.price == Decimal("25.8") and white.offer.currency == "CNY"
    assert black.offer.price == Decimal("25.8")
    assert white.external_id == "3746778972330"
    assert white.attributes == {"颜色": "白色", "尺码": "M"}  # names from product attributes
    assert black.attributes == {"颜色": "黑色", "尺码": "L"}  # attributeDisplayName
    assert white.image_url == (
        "https://cbu01.alicdn.com/img/ibank/2024/221/909/9143909122_1606139362.jpg"
    )
    assert (white.stock, white.availability) == (1200, Availability.IN_STOCK)
    assert (black.stock, black.availability) == (0, Availability.OUT_OF_STOCK)
    assert white.weight_grams == 250
    tiers = white.raw["priceRanges"]
    assert sorted(tier["startQuantity"] for tier in tiers) == [2, 10, 100]
    assert white.raw["minOrderQuantity"] == 2
    assert white.raw["specId"] == "fb82997a5b64af3c729cea89bef44409"


async def test_item_with_sku_prices(adapter: Adapter) -> None:
    product = await adapter.item("620201390233")

    assert product.title == "景德镇手绘青花瓷茶壶"
    assert product.image_url == "https://cbu01.alicdn.com/img/ibank/O1CN01teapot.jpg"
    prices = [(sku.attributes["款式"], sku.offer.price) for sku in product.skus]
    assert prices == [("青花", Decimal("128")), ("粉彩", Decimal("138.5"))]
    assert all(isinstance(sku.offer.price, Decimal) for sku in product.skus)


async def test_offer_without_skus_is_one_sku(adapter: Adapter) -> None:
    product = await adapter.item("706627393257")

    (sku,) = product.skus
    assert sku.external_id == "706627393257"
    assert sku.offer.price == Decimal("3.60")
    assert (sku.stock, sku.attributes, product.image_url) == (5000, {}, None)


async def test_request_is_a_signed_form_post(adapter: Adapter, fake: Fake1688) -> None:
    adapter.clock = lambda: 1_700_000_000.0
    await adapter.item("573741401425")

    (call,) = fake.calls
    assert call["method"] == "POST"
    assert call["path"] == f"param2/1/com.alibaba.product/alibaba.cross.productInfo/{APP_KEY}"
    params = call["params"]
    assert params["productId"] == "573741401425"
    assert params["access_token"] == ACCESS_TOKEN
    assert params["_aop_timestamp"] == "1700000000000"
    # The request above carries exactly the parameters of the known-answer vector below.
    assert params["_aop_signature"] == "AD573E153053753E86FA832E283993EDC7970A43"


# --------------------------------------------------------------------------- signing


def test_signature_matches_the_documented_example() -> None:
    # open.1688.com/api/sysSignature.htm: appKey 1000000, secret test123, params b=2&a=1.
    # Re-computed independently:
    #   printf '%s' 'param2/1/system/currentTime/1000000a1b2' | openssl dgst -sha1 -hmac test123
    path = url_path("system", "currentTime", "1000000")
    assert path == "param2/1/system/currentTime/1000000"
    assert signing_string(path, {"b": "2", "a": "1"}) == path + "a1b2"
    assert signature(path, {"b": "2", "a": "1"}, "test123") == (
        "33E54F4F7B989E3E0E912D3FBD2F1A03CA7CCE88"
    )


def test_signature_known_answer_for_a_detail_request() -> None:
    # printf '%s' 'param2/1/com.alibaba.product/alibaba.cross.productInfo/1000000'\
    # '_aop_timestamp1700000000000access_tokenf14da3b8-b0b1-4f73-a5de-9bed637e0188'\
    # 'productId573741401425' | openssl dgst -sha1 -hmac test-secret
    path = url_path("com.alibaba.product", "alibaba.cross.productInfo", "1000000")
    params = {
        "productId": "573741401425",
        "access_token": "f14da3b8-b0b1-4f73-a5de-9bed637e0188",
        "_aop_timestamp": "1700000000000",
        "_aop_signature": "ignored: never signed",
    }
    assert signature(path, params, "test-secret") == "AD573E153053753E86FA832E283993EDC7970A43"


def test_signature_sorts_key_value_strings_not_keys() -> None:
    # "ab1" < "az", so the factors are "ab1az" (sorting keys would give "azab1"):
    # printf '%s' 'param2/1/system/currentTime/1000000ab1az' | openssl dgst -sha1 -hmac test123
    path = "param2/1/system/currentTime/1000000"
    assert signature(path, {"a": "z", "ab": "1"}, "test123") == (
        "8455C1445CD6FD189617EBA7A8A5C98E78786564"
    )


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://detail.1688.com/offer/573741401425.html", "573741401425"),
        ("http://detail.1688.com/offer/573741401425.html?spm=a26352.13672862", "573741401425"),
        ("detail.1688.com/offer/573741401425.html", "573741401425"),
        ("HTTPS://DETAIL.1688.COM/offer/573741401425.html", "573741401425"),
        ("https://m.1688.com/offer/620201390233.html", "620201390233"),
        ("https://detail.m.1688.com/page/index.html?offerId=706627393257", "706627393257"),
        (
            "https://detail.m.1688.com/page/index.html?spm=x&offerId=706627393257&a=1",
            "706627393257",
        ),
    ],
)
def test_parse_url_recognises_1688_links(url: str, expected: str) -> None:
    assert Adapter.parse_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://detail.1688.com.evil.example/offer/573741401425.html",
        "https://evil.example/?next=https://detail.1688.com/offer/573741401425.html",
        "https://detail.1688.com@evil.example/offer/573741401425.html",
        "https://fakedetail.1688.com/offer/573741401425.html",
        "https://detail.1688.com/offer/abc.html",
        "https://detail.1688.com/offer/573741401425",
        "https://detail.m.1688.com/page/index.html?offerId=70662x",
        "https://detail.m.1688.com/page/index.html?otherofferId=706627393257",
        "https://s.1688.com/selloffer/offer_search.htm?keywords=T恤",
        "https://item.taobao.com/item.htm?id=573741401425",
    ],
)
def test_parse_url_rejects_other_and_look_alike_links(url: str) -> None:
    assert Adapter.parse_url(url) is None


# --------------------------------------------------------------------------- errors


async def test_unknown_item_is_not_found(adapter: Adapter) -> None:
    with pytest.raises(NotFound) as caught:
        await adapter.item("111111111111")
    assert "不存在" in str(caught.value)


async def test_item_without_distribution_relation_is_auth_failed(adapter: Adapter) -> None:
    with pytest.raises(AuthFailed):
        await adapter.item("655555555555")


async def test_wrong_secret_is_signature_invalid(fake: Fake1688, http: HttpClient) -> None:
    adapter = Adapter(env(fake, ALIBABA1688_APP_SECRET="wrong"), http)
    with pytest.raises(AuthFailed) as caught:
        await adapter.item("573741401425")
    assert caught.value.code == "gw.SignatureInvalid"
    assert len(fake.calls) == 1  # rejected: not retried


async def test_expired_access_token_is_auth_failed(fake: Fake1688, http: HttpClient) -> None:
    adapter = Adapter(env(fake, ALIBABA1688_ACCESS_TOKEN="expired-token"), http)
    with pytest.raises(AuthFailed) as caught:
        await adapter.item("573741401425")
    assert caught.value.code == "401"


async def test_missing_access_token_fails_before_any_request(
    fake: Fake1688, http: HttpClient
) -> None:
    values = env(fake)
    del values["ALIBABA1688_ACCESS_TOKEN"]
    with pytest.raises(AuthFailed) as caught:
        await Adapter(values, http).item("573741401425")
    assert caught.value.code == "no_access_token"
    assert fake.calls == []


async def test_not_an_offer_id_is_bad_request(adapter: Adapter, fake: Fake1688) -> None:
    with pytest.raises(BadRequest):
        await adapter.item("abc")
    assert fake.calls == []


async def test_server_error_is_retried(adapter: Adapter, fake: Fake1688) -> None:
    product = await recovers(fake, ["500", "500"], adapter.item("573741401425"))
    assert product.external_id == "573741401425"


@pytest.mark.parametrize("step", ["500", "garbage"])
async def test_failing_every_time_is_server_error(
    adapter: Adapter, fake: Fake1688, step: str
) -> None:
    await fails_every_time(fake, step, adapter.item("573741401425"), ServerError)


async def test_http_429_waits_for_retry_after(
    adapter: Adapter, fake: Fake1688, sleep: FastSleep
) -> None:
    await recovers(fake, ["429"], adapter.item("573741401425"))
    assert 3.0 in sleep.delays


async def test_gateway_rate_limit_in_body_is_retried(adapter: Adapter, fake: Fake1688) -> None:
    await recovers(fake, ["qos"], adapter.item("573741401425"))


async def test_gateway_rate_limit_that_persists_is_rate_limited(
    adapter: Adapter, fake: Fake1688
) -> None:
    caught = await fails_every_time(fake, "qos", adapter.item("573741401425"), RateLimited)
    assert caught.code == "gw.QosAppFrequencyLimit"


async def test_slow_answer_times_out_and_is_retried(adapter: Adapter, fake: Fake1688) -> None:
    product = await recovers(fake, ["slow"], adapter.item("620201390233"))
    assert product.external_id == "620201390233"
