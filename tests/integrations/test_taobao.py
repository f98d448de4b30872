"""Taobao adapter against a fake TOP gateway: mapping, URLs, short links, signing, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from integrations import registry
from integrations.base import Capability
from integrations.errors import (
    AuthFailed,
    BadRequest,
    NotConfigured,
    NotFound,
    RateLimited,
    ServerError,
)
from integrations.http import HttpClient
from integrations.marketplaces.signing import hmac_sha256, md5_wrapped
from integrations.marketplaces.taobao import Adapter
from tests.integrations.fakes import taobao as fake_taobao
from tests.integrations.fakes.taobao import FakeTaobao
from tests.integrations.helpers import FAILING_EVERY_TIME, fails_every_time, fake_fixture, recovers

CHINA = timezone(timedelta(hours=8))


fake = fake_fixture(FakeTaobao)


def env(fake: FakeTaobao, **overrides: str) -> dict[str, str]:
    return {
        "TAOBAO_APP_KEY": fake_taobao.APP_KEY,
        "TAOBAO_APP_SECRET": fake_taobao.SECRET,
        "TAOBAO_ADZONE_ID": "109876543210",
        "TAOBAO_API_BASE": fake.api_base,
        "TAOBAO_SHORT_LINK_BASE": fake.base,
    } | overrides


@pytest.fixture
def adapter(fake: FakeTaobao, http: HttpClient) -> Adapter:
    return Adapter(env(fake), http)


# --------------------------------------------------------------------------- manifest, signing


def test_manifest() -> None:
    manifest = Adapter.manifest
    assert manifest.name == "taobao"
    assert manifest.credentials == ("TAOBAO_APP_KEY", "TAOBAO_APP_SECRET")
    assert {"TAOBAO_ADZONE_ID", "TAOBAO_SIGN_METHOD", "TAOBAO_SESSION"} <= set(manifest.optional)
    assert manifest.api_base == "https://eco.taobao.com/router/rest"
    assert manifest.capabilities == {Capability.SEARCH, Capability.ITEM, Capability.URLS}


KAT_PARAMS = {
    "method": "taobao.tbk.dg.material.optional",
    "app_key": "12345678",
    "timestamp": "2026-01-02 03:04:05",
    "format": "json",
    "v": "2.0",
    "sign_method": "md5",
    "q": "手机壳",
    "page_no": "1",
    "session": "",  # empty: not signed
    "sign": "IGNORED",  # never signed
}


def test_sign_md5_known_answer() -> None:
    # Computed in the shell, independently of signing.py:
    #   S='app_key12345678formatjsonmethodtaobao.tbk.dg.material.optionalpage_no1q手机壳'\
    #     'sign_methodmd5timestamp2026-01-02 03:04:05v2.0'
    #   printf '%s' "helloworld${S}helloworld" | md5sum   (then upper-cased)
    assert md5_wrapped(KAT_PARAMS, "helloworld") == "08DDF423E13B0D5B97489FC716101070"


def test_sign_hmac_sha256_known_answer() -> None:
    params = {
        "method": "taobao.tbk.item.info.get",
        "app_key": "12345678",
        "timestamp": "2026-01-02 03:04:05",
        "format": "json",
        "v": "2.0",
        "sign_method": "hmac-sha256",
        "num_iids": "123456",
    }
    # Computed in the shell, independently of signing.py:
    #   printf '%s' 'app_key12345678formatjsonmethodtaobao.tbk.item.info.getnum_iids123456'\
    #     'sign_methodhmac-sha256timestamp2026-01-02 03:04:05v2.0' \
    #     | openssl dgst -sha256 -hmac 'helloworld'   (then upper-cased)
    expected = "BF51E63ED9226DB4B59C367D5E2DD6FAE95F22E539317813AD0807AA1C4106D5"
    assert hmac_sha256(params, "helloworld") == expected


def test_unknown_sign_method_is_refused(fake: FakeTaobao, http: HttpClient) -> None:
    with pytest.raises(BadRequest):
        Adapter(env(fake, TAOBAO_SIGN_METHOD="sha1"), http)


# --------------------------------------------------------------------------- mapping


async def test_item_maps_to_unified_product(adapter: Adapter, fake: FakeTaobao) -> None:
    product = await adapter.item("123456")
    assert (product.marketplace, product.external_id) == ("taobao", "123456")
    assert product.title == "适用苹果15手机壳透明硅胶防摔全包软壳"
    assert product.url == "https://item.taobao.com/item.htm?id=123456"
    assert product.image_url == "https://img.alicdn.com/bao/uploaded/i1/123456.jpg"
    assert product.seller == "酷壳派数码专营店"
    assert product.category == "手机配件"
    (sku,) = product.skus
    assert (sku.offer.price, sku.offer.currency) == (Decimal("39.90"), "CNY")
    assert isinstance(sku.offer.price, Decimal)
    promo = sku.offer.promotion
    assert promo is not None
    assert (promo.price, promo.currency, promo.label) == (Decimal("29.90"), "CNY", "折扣价")
    assert product.raw["platform"] == "taobao"
    assert product.raw["reserve_price"] == "39.90"
    assert sku.raw["num_iid"] == 123456
    call = fake.calls[-1]
    assert call["method"] == "taobao.tbk.item.info.get"
    assert call["num_iids"] == "123456"


async def test_tmall_item_is_marked_tmall(adapter: Adapter) -> None:
    product = await adapter.item("654321")
    assert product.raw["platform"] == "tmall"
    assert product.url == "https://detail.tmall.com/item.htm?id=654321"
    assert product.skus[0].offer.price == Decimal("189.00")
    assert product.skus[0].offer.promotion is None


async def test_search_maps_coupon_promotion(adapter: Adapter, fake: FakeTaobao) -> None:
    products = await adapter.search("手机壳")
    assert [p.external_id for p in products] == ["123456"]  # "777" has no price: skipped
    offer = products[0].skus[0].offer
    promo = offer.promotion
    assert promo is not None
    assert (promo.price, promo.label) == (Decimal("24.90"), "券后价")
    assert promo.starts_at == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert promo.ends_at == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # last day inclusive
    assert offer.effective_price(datetime(2026, 6, 1, tzinfo=UTC)) == Decimal("24.90")
    assert offer.effective_price(datetime(2027, 6, 1, tzinfo=UTC)) == Decimal("39.90")
    assert products[0].raw["coupon_info"] == "满20元减5元"
    call = fake.calls[-1]
    assert (call["method"], call["q"], call["adzone_id"]) == (
        "taobao.tbk.dg.material.optional",
        "手机壳",
        "109876543210",
    )


async def test_request_carries_system_params(fake: FakeTaobao, http: HttpClient) -> None:
    adapter = Adapter(env(fake, TAOBAO_SESSION="sess-1"), http)
    await adapter.item("654321")
    call = fake.calls[-1]
    assert (call["format"], call["v"], call["sign_method"]) == ("json", "2.0", "md5")
    assert call["session"] == "sess-1"
    sent = datetime.strptime(call["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    assert abs(datetime.now(UTC) - sent) < timedelta(minutes=1)
    assert len(call["sign"]) == 32 and call["sign"].isupper()


async def test_hmac_sha256_requests_are_accepted(fake: FakeTaobao, http: HttpClient) -> None:
    adapter = Adapter(env(fake, TAOBAO_SIGN_METHOD="hmac-sha256"), http)
    assert (await adapter.item("123456")).external_id == "123456"
    assert fake.calls[-1]["sign_method"] == "hmac-sha256"
    assert len(fake.calls[-1]["sign"]) == 64


async def test_item_without_price_is_an_unexpected_answer(adapter: Adapter) -> None:
    with pytest.raises(ServerError, match="unexpected answer"):
        await adapter.item("777")


async def test_search_needs_adzone(fake: FakeTaobao, http: HttpClient) -> None:
    adapter = Adapter(env(fake, TAOBAO_ADZONE_ID=""), http)
    with pytest.raises(NotConfigured) as caught:
        await adapter.search("手机壳")
    assert caught.value.missing == ["TAOBAO_ADZONE_ID"]
    assert fake.calls == []


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "item_id"),
    [
        ("https://item.taobao.com/item.htm?id=123456", "123456"),
        ("https://item.taobao.com/item.htm?spm=a1z10.1-c&id=123456&ns=1", "123456"),
        ("item.taobao.com/item.htm?id=42", "42"),
        ("https://detail.tmall.com/item.htm?id=654321&skuId=5", "654321"),
        ("https://detail.tmall.com/item.htm?ali_refid=a3&spm=x&id=654321", "654321"),
        ("https://detail.tmall.hk/item.htm?id=1001", "1001"),
        ("https://detail.tmall.hk/hk/item.htm?spm=1&id=1002", "1002"),
        ("https://world.taobao.com/item/1003.htm?spm=a21wu", "1003"),
        ("https://m.intl.taobao.com/detail/detail.html?id=1004", "1004"),
        ("https://h5.m.taobao.com/awp/core/detail.htm?ft=t&id=1005", "1005"),
        ("https://a.m.taobao.com/i1006.htm?price=1", "1006"),
        ("HTTPS://Item.Taobao.com/item.htm?id=1007", "1007"),
    ],
)
def test_url_patterns(url: str, item_id: str) -> None:
    assert Adapter.parse_url(url) == item_id


@pytest.mark.parametrize(
    "url",
    [
        "https://item.taobao.com.evil.example/item.htm?id=123456",
        "https://evilitem.taobao.com/item.htm?id=1",
        "https://item.taobao.com@evil.example/item.htm?id=1",
        "https://evil.example/?u=https://item.taobao.com/item.htm?id=1",
        "https://item.taobao.com/item.htm?sku_id=1",
        "https://item.taobao.com/item.htm?xid=1",
        "https://detail.tmall.com.cn/item.htm?id=1",
        "https://www.taobao.com/",
        "https://item.jd.com/100012043978.html",
        "https://m.tb.cn/h.5kQ0Wx2",
    ],
)
def test_url_patterns_reject(url: str) -> None:
    assert Adapter.parse_url(url) is None


def test_short_link_host() -> None:
    assert Adapter.is_short_link("https://m.tb.cn/h.5kQ0Wx2?tk=abc")
    assert not Adapter.is_short_link("https://m.tb.cn.evil.example/h.5kQ0Wx2")


async def test_short_link_expands_from_page(adapter: Adapter) -> None:
    assert await adapter.expand_short_link("https://m.tb.cn/h.5kQ0Wx2?tk=abc") == "123456"


async def test_short_link_expands_from_location(adapter: Adapter) -> None:
    assert await adapter.expand_short_link("m.tb.cn/h.Redir01") == "654321"


async def test_short_link_unknown(adapter: Adapter) -> None:
    with pytest.raises(NotFound):
        await adapter.expand_short_link("https://m.tb.cn/h.nothing")


def test_registry_finds_all_three_marketplaces() -> None:
    assert {"taobao", "pinduoduo", "jd"} <= set(registry.marketplaces())
    text = (
        "看看这个 https://item.taobao.com/item.htm?spm=a1&id=123456 "
        "和 https://item.jd.com/100012043978.html"
    )
    links = registry.find_links(text)
    assert [(link.marketplace, link.external_id) for link in links] == [
        ("taobao", "123456"),
        ("jd", "100012043978"),
    ]


def test_registry_sees_short_links() -> None:
    (link,) = registry.find_links("复制打开 https://m.tb.cn/h.5kQ0Wx2?tk=abc 手淘")
    assert (link.marketplace, link.external_id) == ("taobao", None)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        pytest.param({"TAOBAO_APP_SECRET": "wrong"}, "25", id="bad-signature"),
        pytest.param({"TAOBAO_APP_KEY": "99999999"}, "isv.appkey-not-exists", id="unknown-app-key"),
    ],
)
async def test_refused_credentials_are_auth_failed(
    fake: FakeTaobao, http: HttpClient, overrides: dict[str, str], code: str
) -> None:
    adapter = Adapter(env(fake, **overrides), http)
    with pytest.raises(AuthFailed) as caught:
        await adapter.item("123456")
    assert caught.value.code == code


async def test_missing_item_error_is_not_found(adapter: Adapter) -> None:
    with pytest.raises(NotFound) as caught:
        await adapter.item("999999")
    assert caught.value.code == "isv.item-not-exist"


async def test_missing_item_without_results_is_not_found(
    adapter: Adapter, fake: FakeTaobao
) -> None:
    fake.missing_item = "empty"
    with pytest.raises(NotFound):
        await adapter.item("999999")


async def test_rate_limit_is_retried_then_raised(adapter: Adapter, fake: FakeTaobao) -> None:
    caught = await fails_every_time(fake, "ratelimit", adapter.item("123456"), RateLimited)
    assert caught.retry_after == 1.0


async def test_rate_limit_once_then_success(adapter: Adapter, fake: FakeTaobao) -> None:
    assert (await recovers(fake, ["ratelimit"], adapter.item("123456"))).external_id == "123456"


async def test_retry_succeeds_after_one_500(adapter: Adapter, fake: FakeTaobao) -> None:
    assert (await recovers(fake, ["500"], adapter.item("123456"))).title.startswith("适用苹果15")


@pytest.mark.parametrize(("step", "error"), FAILING_EVERY_TIME)
async def test_failing_every_time_is_raised(
    adapter: Adapter, fake: FakeTaobao, step: str, error: type[Exception]
) -> None:
    await fails_every_time(fake, step, adapter.item("123456"), error)
