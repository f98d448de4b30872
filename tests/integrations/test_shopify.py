"""Shopify adapter against the fake storefront: listing, item, currency, URLs, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from integrations.errors import AuthFailed, BadRequest, NotFound, ServerError
from integrations.http import HttpClient
from integrations.marketplaces.shopify import Adapter
from integrations.types import Availability, Product
from tests.integrations.fakes.shopify import FakeShopify, product
from tests.integrations.helpers import FastSleep, fails_every_time, fake_fixture, recovers

STORE = "https://celadon-tea.myshopify.com"


fake = fake_fixture(FakeShopify)


def env(fake: FakeShopify, **overrides: str) -> dict[str, str]:
    return {"SHOPIFY_STORE_URL": STORE, "SHOPIFY_API_BASE": fake.base} | overrides


@pytest.fixture
def adapter(fake: FakeShopify, http: HttpClient) -> Adapter:
    return Adapter(env(fake), http)


async def listed(adapter: Adapter) -> list[Product]:
    return [item async for item in adapter.listing()]


# --------------------------------------------------------------------------- listing


async def test_listing_pages_until_an_empty_page(adapter: Adapter, fake: FakeShopify) -> None:
    fake.max_limit = 2  # the store caps the page size: 2 + 2 + 1 products, then an empty page

    products = await listed(adapter)

    assert [p.external_id for p in products] == [str(7_000_000_000_000 + n) for n in range(1, 6)]
    assert fake.paths("/products.json") == [
        {"limit": "250", "page": "1"},
        {"limit": "250", "page": "2"},
        {"limit": "250", "page": "3"},
        {"limit": "250", "page": "4"},
    ]


async def test_listing_maps_product_and_variants(adapter: Adapter) -> None:
    first = (await listed(adapter))[0]

    assert first.marketplace == "shopify"
    assert first.external_id == "7000000000001"
    assert first.title == "手工青瓷茶杯 1号"
    assert first.description == "龙泉青瓷，手工拉坯 容量 120ml"
    assert (first.brand, first.category) == ("龙泉窑", "茶具")
    assert first.url == f"{STORE}/products/celadon-cup-1"
    assert first.image_url == "https://cdn.shopify.com/s/files/cup-1.jpg"
    assert first.seller == "celadon-tea.myshopify.com"
    assert first.raw["tags"] == ["青瓷", "茶杯"]

    on_sale, sold_out = first.skus
    assert on_sale.external_id == "70000000000011"
    # compare_at_price above price: regular price 168, promotion at 128.
    assert (on_sale.offer.price, on_sale.offer.currency) == (Decimal("168.00"), "CNY")
    assert on_sale.offer.promotion is not None
    assert on_sale.offer.promotion.price == Decimal("128.00")
    assert on_sale.offer.effective_price(datetime.now(UTC)) == Decimal("128.00")
    assert on_sale.attributes == {"釉色": "粉青", "尺寸": "小号"}
    assert (on_sale.availability, on_sale.weight_grams, on_sale.stock) == (
        Availability.IN_STOCK,
        180,
        None,
    )
    assert on_sale.image_url == "https://cdn.shopify.com/s/files/cup-1.jpg"  # via variant_ids

    assert (sold_out.offer.price, sold_out.offer.promotion) == (Decimal("158.00"), None)
    assert sold_out.availability == Availability.OUT_OF_STOCK
    assert sold_out.weight_grams is None  # grams 0 means unknown
    assert sold_out.image_url == "https://cdn.shopify.com/s/files/cup-1-green.jpg"
    assert sold_out.raw["sku"] == "CUP-1-ML"


async def test_listing_follows_link_header_cursors(adapter: Adapter, fake: FakeShopify) -> None:
    fake.mode, fake.max_limit = "cursor", 2

    products = await listed(adapter)

    assert len(products) == 5
    queries = fake.paths("/products.json")
    assert len(queries) == 3  # the last page has no rel="next": no empty page is asked for
    assert queries[0] == {"limit": "250", "page": "1"}
    assert all(set(query) == {"limit", "page_info"} for query in queries[1:])


async def test_listing_stops_when_a_page_brings_nothing_new(
    adapter: Adapter, fake: FakeShopify
) -> None:
    fake.mode, fake.max_limit = "stuck", 2
    products = await listed(adapter)
    assert len(products) == 2
    assert len(fake.paths("/products.json")) == 2


async def test_listing_skips_a_product_without_price(adapter: Adapter, fake: FakeShopify) -> None:
    broken = product(9)
    for variant in broken["variants"]:
        variant["price"] = "免费"
    fake.products = [product(1), broken, product(2)]

    products = await listed(adapter)

    assert [p.title for p in products] == ["手工青瓷茶杯 1号", "手工青瓷茶杯 2号"]


async def test_default_title_option_is_not_an_attribute(
    adapter: Adapter, fake: FakeShopify
) -> None:
    single = product(1, options=[{"name": "Title", "position": 1, "values": ["Default Title"]}])
    single["variants"] = [single["variants"][0] | {"option1": "Default Title", "option2": None}]
    fake.products = [single]

    (only,) = await listed(adapter)

    assert only.skus[0].attributes == {}


# --------------------------------------------------------------------------- item


async def test_item_by_handle(adapter: Adapter, fake: FakeShopify) -> None:
    item = await adapter.item("celadon-cup-3")

    assert item.external_id == "7000000000003"
    assert item.url == f"{STORE}/products/celadon-cup-3"
    assert len(item.skus) == 2
    assert fake.paths("/products/celadon-cup-3.json") == [{}]


async def test_unknown_handle_is_not_found(adapter: Adapter) -> None:
    with pytest.raises(NotFound):
        await adapter.item("no-such-cup")


async def test_not_a_handle_is_bad_request(adapter: Adapter, fake: FakeShopify) -> None:
    with pytest.raises(BadRequest):
        await adapter.item("../admin")
    assert fake.paths("/products/../admin.json") == []


# --------------------------------------------------------------------------- currency


async def test_currency_comes_from_meta_json_once(adapter: Adapter, fake: FakeShopify) -> None:
    products = await listed(adapter)
    item = await adapter.item("celadon-cup-1")

    assert {sku.offer.currency for p in [*products, item] for sku in p.skus} == {"CNY"}
    assert len(fake.paths("/meta.json")) == 1


async def test_currency_setting_is_used_without_meta_json(
    fake: FakeShopify, http: HttpClient
) -> None:
    adapter = Adapter(env(fake, SHOPIFY_CURRENCY="hkd"), http)
    item = await adapter.item("celadon-cup-1")
    assert item.skus[0].offer.currency == "HKD"
    assert fake.paths("/meta.json") == []


async def test_store_without_meta_json_defaults_to_usd(adapter: Adapter, fake: FakeShopify) -> None:
    fake.currency = None
    item = await adapter.item("celadon-cup-1")
    assert item.skus[0].offer.currency == "USD"


async def test_invalid_currency_setting_is_bad_request(fake: FakeShopify, http: HttpClient) -> None:
    with pytest.raises(BadRequest):
        await Adapter(env(fake, SHOPIFY_CURRENCY="yuan"), http).item("celadon-cup-1")


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://celadon-tea.myshopify.com/products/celadon-cup-1", "celadon-cup-1"),
        (
            "celadon-tea.myshopify.com/products/celadon-cup-1?variant=70000000000011",
            "celadon-cup-1",
        ),
        (
            "https://celadon-tea.myshopify.com/collections/tea/products/celadon-cup-2",
            "celadon-cup-2",
        ),
        ("https://celadon-tea.myshopify.com/zh-cn/products/celadon-cup-3#reviews", "celadon-cup-3"),
        ("https://other-store.myshopify.com/products/wool-hat", "wool-hat"),
    ],
)
def test_parse_url_recognises_myshopify_product_links(url: str, expected: str) -> None:
    assert Adapter.parse_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://celadon-tea.myshopify.com.evil.example/products/celadon-cup-1",
        "https://evil.example/?u=https://celadon-tea.myshopify.com/products/celadon-cup-1",
        "https://celadon-tea.myshopify.com@evil.example/products/celadon-cup-1",
        "https://www.celadon-tea.cn/products/celadon-cup-1",  # custom domains: only per store
        "https://celadon-tea.myshopify.com/collections/tea",
        "https://celadon-tea.myshopify.com/products/",
        "https://myshopify.com/products/celadon-cup-1",
    ],
)
def test_parse_url_rejects_other_and_look_alike_links(url: str) -> None:
    assert Adapter.parse_url(url) is None


def test_parse_store_url_knows_the_configured_custom_domain(
    fake: FakeShopify, http: HttpClient
) -> None:
    adapter = Adapter(env(fake, SHOPIFY_STORE_URL="www.celadon-tea.cn"), http)

    assert adapter.store_url == "https://www.celadon-tea.cn"
    assert adapter.parse_store_url("https://www.celadon-tea.cn/products/celadon-cup-1") == (
        "celadon-cup-1"
    )
    assert adapter.parse_store_url("www.celadon-tea.cn/collections/a/products/x?b=1") == "x"
    assert adapter.parse_store_url("https://www.celadon-tea.cn.evil.example/products/x") is None
    assert adapter.parse_store_url("https://other.example/products/celadon-cup-1") is None


# --------------------------------------------------------------------------- errors


async def test_password_protected_store_is_auth_failed(adapter: Adapter, fake: FakeShopify) -> None:
    fake.password = True
    with pytest.raises(AuthFailed):
        await listed(adapter)


async def test_http_429_waits_for_retry_after(
    fake: FakeShopify, http: HttpClient, sleep: FastSleep
) -> None:
    adapter = Adapter(env(fake, SHOPIFY_CURRENCY="CNY"), http)
    await recovers(fake, ["429"], adapter.item("celadon-cup-1"))
    assert 3.0 in sleep.delays
    assert len(fake.calls) == 2


async def test_server_error_is_retried_mid_listing(adapter: Adapter, fake: FakeShopify) -> None:
    fake.max_limit = 2
    await adapter.currency()
    fake.plan = [None, "500", "500"]  # page 1 fine, page 2 fails twice then answers
    assert len(await listed(adapter)) == 5


async def test_garbage_every_time_is_server_error(adapter: Adapter, fake: FakeShopify) -> None:
    await adapter.currency()
    await fails_every_time(fake, "garbage", adapter.item("celadon-cup-1"), ServerError)


async def test_slow_answer_is_retried(adapter: Adapter, fake: FakeShopify) -> None:
    await adapter.currency()
    item = await recovers(fake, ["slow"], adapter.item("celadon-cup-2"))
    assert item.external_id == "7000000000002"
    assert len(fake.paths("/products/celadon-cup-2.json")) == 2
