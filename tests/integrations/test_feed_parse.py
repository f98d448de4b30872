"""Tests for the Google Merchant Center feed parser (RSS/Atom/TSV -> Product)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from integrations.marketplaces.feed import FeedError, FeedResult, ItemError, parse_feed
from integrations.marketplaces.feed.parse import shared_title
from integrations.types import Availability, Product

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "bot" / "demo" / "catalog.xml"
HAN = re.compile(r"[\u4e00-\u9fff]")


def rss(*items: str) -> bytes:
    body = "".join(f"<item>{item}</item>" for item in items)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'
        f"<title>t</title>{body}</channel></rss>"
    ).encode()


def item(item_id: str = "A1", title: str = "手机壳", price: str = "15.00 CNY", **extra: str) -> str:
    fields = {"g:id": item_id, "title": title, "g:price": price} | {
        f"g:{name}": value for name, value in extra.items()
    }
    return "".join(f"<{tag}>{value}</{tag}>" for tag, value in fields.items())


def tsv(header: list[str], *rows: list[str]) -> bytes:
    return "\n".join("\t".join(cells) for cells in (header, *rows)).encode()


def only(result: FeedResult) -> Product:
    assert len(result.products) == 1, result
    return result.products[0]


def messages(result: FeedResult) -> list[str]:
    return [error.message for error in result.errors]


# --------------------------------------------------------------------------- RSS


RSS_SAMPLE = rss(
    item(
        "CASE-1",
        "适用苹果15手机壳透明硅胶防摔全包软壳 透明",
        "39.90 CNY",
        item_group_id="CASE",
        color="透明",
        size="iPhone 15",
        link="https://shop.example.cn/item/CASE",
        image_link="https://img.example.cn/CASE-1.jpg",
        availability="in_stock",
        shipping_weight="0.05 kg",
        product_type="数码配件 &gt; 手机壳",
        brand="酷壳派",
        description=(
            "&lt;p&gt;防摔&lt;b&gt;全包&lt;/b&gt;&lt;/p&gt;&lt;p&gt;软壳 &amp;amp; 透明&lt;/p&gt;"
        ),
        sale_price="29.90 CNY",
        sale_price_effective_date="2026-11-01T00:00+08:00/2026-11-11T23:59+08:00",
    ),
    item(
        "CASE-2",
        "适用苹果15手机壳透明硅胶防摔全包软壳 黑色",
        "41.90 CNY",
        item_group_id="CASE",
        color="黑色",
        size="iPhone 15 Pro",
        material="硅胶",
        pattern="纯色",
        image_link="https://img.example.cn/CASE-2.jpg",
        availability="out_of_stock",
        shipping_weight="60 g",
    ),
    item("SOLO", "保温杯316不锈钢", "CNY 89.00", availability="preorder"),
)


def test_rss_groups_variants_into_one_product() -> None:
    result = parse_feed(RSS_SAMPLE, marketplace="taobao")
    assert result.errors == []
    case, solo = result.products
    assert case.marketplace == "taobao"
    assert case.external_id == "CASE"
    assert [sku.external_id for sku in case.skus] == ["CASE-1", "CASE-2"]
    assert case.title == "适用苹果15手机壳透明硅胶防摔全包软壳"  # not the first variant's
    assert case.url == "https://shop.example.cn/item/CASE"
    assert case.image_url == "https://img.example.cn/CASE-1.jpg"
    assert case.category == "数码配件 > 手机壳"
    assert case.brand == "酷壳派"
    assert case.description == "防摔全包 软壳 & 透明"
    assert solo.external_id == "SOLO"
    assert len(solo.skus) == 1


def test_rss_sku_fields() -> None:
    first, second = parse_feed(RSS_SAMPLE).products[0].skus
    assert first.attributes == {"color": "透明", "size": "iPhone 15"}
    assert second.attributes == {
        "color": "黑色",
        "size": "iPhone 15 Pro",
        "material": "硅胶",
        "pattern": "纯色",
    }
    assert first.availability is Availability.IN_STOCK
    assert second.availability is Availability.OUT_OF_STOCK
    assert (first.weight_grams, second.weight_grams) == (50, 60)
    assert second.image_url == "https://img.example.cn/CASE-2.jpg"
    assert first.raw["id"] == "CASE-1"
    assert first.raw["price"] == "39.90 CNY"
    assert all(isinstance(value, str) for value in first.raw.values())


def test_rss_prices_and_promotion() -> None:
    case, solo = parse_feed(RSS_SAMPLE).products
    offer = case.skus[0].offer
    assert (offer.price, offer.currency) == (Decimal("39.90"), "CNY")
    promo = offer.promotion
    assert promo is not None
    assert (promo.price, promo.currency) == (Decimal("29.90"), "CNY")
    assert promo.starts_at == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert promo.ends_at == datetime(2026, 11, 11, 15, 59, tzinfo=UTC)
    assert promo.starts_at.utcoffset() is not None
    assert offer.effective_price(datetime(2026, 11, 5, tzinfo=UTC)) == Decimal("29.90")
    assert offer.effective_price(datetime(2026, 12, 1, tzinfo=UTC)) == Decimal("39.90")
    assert case.skus[1].offer.promotion is None
    assert (solo.skus[0].offer.price, solo.skus[0].offer.currency) == (Decimal("89.00"), "CNY")
    assert solo.skus[0].availability is Availability.PREORDER


def test_plain_rss_without_namespace_and_cdata_html() -> None:
    data = (
        b"<rss><channel><item><id>P1</id><title><![CDATA[<b>Hot</b> &amp; new\x09 case]]></title>"
        b"<price>9.9 usd</price></item></channel></rss>"
    )
    product = only(parse_feed(data))
    assert product.title == "Hot & new case"
    assert product.skus[0].offer.currency == "USD"
    assert product.skus[0].offer.price == Decimal("9.9")


def test_atom_feed() -> None:
    data = (
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">'
        "<entry><id>urn:uuid:1</id><g:id>AT-1</g:id><title>汉服女齐胸襦裙</title>"
        '<link href="https://shop.example.cn/item/AT-1"/><summary>原创设计</summary>'
        "<g:price>199.00 CNY</g:price></entry></feed>"
    ).encode()
    product = only(parse_feed(data))
    assert product.external_id == "AT-1"
    assert product.url == "https://shop.example.cn/item/AT-1"
    assert product.description == "原创设计"


def test_g_namespace_wins_over_plain_and_repeats_join() -> None:
    data = rss(
        "<g:id>X</g:id><title>plain</title><g:title>google</g:title><g:price>1 CNY</g:price>"
        "<g:additional_image_link>https://a/1.jpg</g:additional_image_link>"
        "<g:additional_image_link>https://a/2.jpg</g:additional_image_link>"
        "<g:shipping><g:country>CN</g:country><g:price>0 CNY</g:price></g:shipping>"
    )
    product = only(parse_feed(data))
    assert product.title == "google"
    assert product.raw["additional_image_link"] == "https://a/1.jpg,https://a/2.jpg"
    assert product.raw["shipping"] == "CN:0 CNY"


def test_gbk_encoded_xml() -> None:
    data = rss(item("G1", "文具中性笔")).replace(b"UTF-8", b"GBK")
    data = data.decode().encode("gbk")
    assert only(parse_feed(data)).title == "文具中性笔"


def test_empty_channel_gives_no_products() -> None:
    assert parse_feed(rss()) == FeedResult([], [])


# --------------------------------------------------------------------------- TSV

TSV_HEADER = [
    "id", "title", "description", "link", "image_link", "price", "sale_price",
    "sale_price_effective_date", "availability", "item_group_id", "color", "size",
    "shipping_weight", "product_type", "brand",
]  # fmt: skip


def tsv_row(**fields: str) -> list[str]:
    return [fields.get(name, "") for name in TSV_HEADER]


def test_tsv_grouping_and_fields() -> None:
    data = tsv(
        TSV_HEADER,
        tsv_row(
            id="S-1",
            title="卫衣女 灰色 M",
            description="加绒<br>加厚",
            link="https://shop.example.cn/item/S",
            image_link="https://img.example.cn/S-1.jpg",
            price="89.00 CNY",
            sale_price="69.00 CNY",
            sale_price_effective_date="2026-12-01T00:00+08:00/2026-12-12T23:59+08:00",
            availability="in stock",
            item_group_id="S",
            color="灰色",
            size="M",
            shipping_weight="0.5 kg",
            product_type="女装 > 卫衣",
            brand="森屿",
        ),
        tsv_row(
            id="S-2",
            title="卫衣女 灰色 L",
            price="CNY 92.00",
            availability="out of stock",
            item_group_id="S",
            color="灰色",
            size="L",
            shipping_weight="520 g",
        ),
        tsv_row(id="T-1", title="帆布包", price="29.9 CNY", product_type="箱包 > 帆布包"),
    )
    result = parse_feed(data, marketplace="1688")
    assert result.errors == []
    hoodie, bag = result.products
    assert hoodie.external_id == "S"
    assert hoodie.description == "加绒 加厚"
    assert [sku.attributes for sku in hoodie.skus] == [
        {"color": "灰色", "size": "M"},
        {"color": "灰色", "size": "L"},
    ]
    assert [sku.availability for sku in hoodie.skus] == [
        Availability.IN_STOCK,
        Availability.OUT_OF_STOCK,
    ]
    assert [sku.weight_grams for sku in hoodie.skus] == [500, 520]
    assert hoodie.skus[1].offer.price == Decimal("92.00")
    promo = hoodie.skus[0].offer.promotion
    assert promo is not None and promo.ends_at == datetime(2026, 12, 12, 15, 59, tzinfo=UTC)
    assert bag.external_id == "T-1"
    assert bag.skus[0].availability is Availability.IN_STOCK
    assert bag.category == "箱包 > 帆布包"


def test_tsv_accepts_g_prefixed_and_spaced_headers() -> None:
    data = tsv(
        ["g:id", "g:title", "g:price", "item group id", "G:Color"],
        ["A", "杯子 白", "10 CNY", "CUP", "白色"],
        ["B", "杯子 黑", "10 CNY", "CUP", "黑色"],
    )
    product = only(parse_feed(data))
    assert product.external_id == "CUP"
    assert [sku.attributes["color"] for sku in product.skus] == ["白色", "黑色"]


def test_tsv_with_bom_crlf_quotes_and_blank_lines() -> None:
    text = '\ufeffid\ttitle\tprice\r\n"Q1"\t"拖鞋 ""踩屎感"""\t9.90 CNY\r\n\r\n'
    product = only(parse_feed(text.encode()))
    assert product.title == '拖鞋 "踩屎感"'


def test_tsv_error_line_numbers() -> None:
    data = tsv(["id", "title", "price"], ["A", "ok", "1 CNY"], ["B", "bad", "abc"])
    result = parse_feed(data)
    assert result.errors == [ItemError("B", 3, "unparsable price 'abc'; item skipped")]


def test_tsv_without_id_column_is_a_feed_error() -> None:
    with pytest.raises(FeedError, match="id"):
        parse_feed(tsv(["title", "price"], ["x", "1 CNY"]))


# --------------------------------------------------------------------------- prices


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("15.00 CNY", "15.00", "CNY"),
        ("CNY 15.00", "15.00", "CNY"),
        ("CNY15", "15", "CNY"),
        ("15 cny", "15", "CNY"),
        ("1,234.50 CNY", "1234.50", "CNY"),
        ("12,5 EUR", "12.5", "EUR"),
        ("  0.99 USD ", "0.99", "USD"),
    ],
)
def test_price_formats(text: str, amount: str, currency: str) -> None:
    offer = only(parse_feed(rss(item(price=text)))).skus[0].offer
    assert (offer.price, offer.currency) == (Decimal(amount), currency)


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("15.00", "has no currency"),
        ("¥15.00", "unparsable price"),
        ("abc CNY", "unparsable price"),
        ("1.2.3 CNY", "unparsable price"),
        ("NaN CNY", "unparsable price"),
        ("1e5 CNY", "unparsable price"),
        ("-5.00 CNY", "must be greater than zero"),
        ("0 CNY", "must be greater than zero"),
        ("", "missing price"),
    ],
)
def test_bad_price_skips_item_only(price: str, expected: str) -> None:
    result = parse_feed(rss(item("BAD", price=price), item("GOOD")))
    assert [p.external_id for p in result.products] == ["GOOD"]
    (error,) = result.errors
    assert error.item_id == "BAD"
    assert error.line_or_index == 1
    assert expected in error.message and "item skipped" in error.message


def test_sale_window_open_ended_and_naive_times() -> None:
    window = "2026-06-01T00:00/"
    promo = (
        only(parse_feed(rss(item(sale_price="9 CNY", sale_price_effective_date=window))))
        .skus[0]
        .offer.promotion
    )
    assert promo is not None
    assert promo.starts_at == datetime(2026, 6, 1, tzinfo=UTC)
    assert promo.ends_at is None


def test_sale_without_window_is_always_active() -> None:
    promo = only(parse_feed(rss(item(sale_price="9 CNY")))).skus[0].offer.promotion
    assert promo is not None and promo.starts_at is None and promo.ends_at is None


def test_sale_window_with_z_suffix_is_utc() -> None:
    window = "2026-11-11T00:00:00Z/2026-11-12T00:00:00-05:00"
    promo = (
        only(parse_feed(rss(item(sale_price="9 CNY", sale_price_effective_date=window))))
        .skus[0]
        .offer.promotion
    )
    assert promo is not None
    assert promo.starts_at == datetime(2026, 11, 11, tzinfo=UTC)
    assert promo.ends_at == datetime(2026, 11, 12, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sale", "window", "expected"),
    [
        ("9", "", "sale_price '9' has no currency"),
        ("junk", "", "unparsable sale_price"),
        ("-1 CNY", "", "must be greater than zero"),
        ("9 USD", "", "differs from price currency"),
        ("20 CNY", "", "is not below price"),
        ("9 CNY", "2026-11-01", "not a 'start/end' interval"),
        ("9 CNY", "yesterday/tomorrow", "unparsable date"),
        ("9 CNY", "2026-12-01T00:00+08:00/2026-11-01T00:00+08:00", "ends before it starts"),
    ],
)
def test_bad_sale_price_keeps_item_without_promotion(sale: str, window: str, expected: str) -> None:
    result = parse_feed(rss(item(sale_price=sale, sale_price_effective_date=window)))
    sku = only(result).skus[0]
    assert sku.offer.promotion is None
    assert sku.offer.price == Decimal("15.00")
    (message,) = messages(result)
    assert expected in message and "sale price ignored" in message


# --------------------------------------------------------------------------- weights


@pytest.mark.parametrize(
    ("text", "grams"),
    [
        ("0.3 kg", 300),
        ("0.25kg", 250),
        ("1,5 kg", 1500),
        ("300 g", 300),
        ("300g", 300),
        ("12.4 g", 12),
        ("1 lb", 454),
        ("2 lbs", 907),
        ("10 oz", 283),
        ("0.1 g", 1),
        ("2 KG", 2000),
    ],
)
def test_weight_units(text: str, grams: int) -> None:
    assert only(parse_feed(rss(item(shipping_weight=text)))).skus[0].weight_grams == grams


@pytest.mark.parametrize("text", ["heavy", "300", "3 stone", "-1 kg", "0 g", "1..2 kg"])
def test_bad_weight_is_ignored_and_reported(text: str) -> None:
    result = parse_feed(rss(item(shipping_weight=text)))
    assert only(result).skus[0].weight_grams is None
    (message,) = messages(result)
    assert "weight ignored" in message


def test_product_weight_is_a_fallback() -> None:
    sku = only(parse_feed(rss(item(product_weight="2 kg")))).skus[0]
    assert sku.weight_grams == 2000


# --------------------------------------------------------------------------- bad items


def test_missing_id_and_title() -> None:
    result = parse_feed(rss(item(item_id=""), item("NT", title="  <b></b> "), item("OK")))
    assert [p.external_id for p in result.products] == ["OK"]
    assert result.errors == [
        ItemError(None, 1, "missing id; item skipped"),
        ItemError("NT", 2, "missing title; item skipped"),
    ]


def test_duplicate_ids_keep_the_first() -> None:
    result = parse_feed(rss(item("D", "first"), item("D", "second"), item("D", "third")))
    assert only(result).title == "first"
    assert [(e.item_id, e.line_or_index) for e in result.errors] == [("D", 2), ("D", 3)]
    assert all("duplicate id" in e.message for e in result.errors)


def test_duplicate_of_a_rejected_item_is_still_a_duplicate() -> None:
    result = parse_feed(rss(item("D", price="x"), item("D")))
    assert result.products == []
    assert len(result.errors) == 2


def test_unknown_availability_is_out_of_stock() -> None:
    result = parse_feed(rss(item(availability="maybe")))
    assert only(result).skus[0].availability is Availability.OUT_OF_STOCK
    assert "unknown availability" in messages(result)[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in stock", Availability.IN_STOCK),
        ("IN_STOCK", Availability.IN_STOCK),
        ("out-of-stock", Availability.OUT_OF_STOCK),
        ("preorder", Availability.PREORDER),
        ("backorder", Availability.BACKORDER),
    ],
)
def test_availability_spellings(text: str, expected: Availability) -> None:
    assert only(parse_feed(rss(item(availability=text)))).skus[0].availability is expected


def test_quantity_becomes_stock() -> None:
    result = parse_feed(rss(item("A", quantity="12"), item("B", quantity="-3")))
    assert [p.skus[0].stock for p in result.products] == [12, None]
    assert "quantity" in messages(result)[0]


def test_non_http_links_are_dropped() -> None:
    result = parse_feed(rss(item(link="javascript:alert(1)", image_link="ftp://x/y.jpg")))
    product = only(result)
    assert product.url is None and product.image_url is None
    assert len(result.errors) == 2


@pytest.mark.parametrize(
    "link", ["http://a b c", "https://shop.example/a b", 'https://shop.example/"x', "http://"]
)
def test_links_a_button_could_not_carry_are_dropped(link: str) -> None:
    result = parse_feed(rss(item(link=link)))
    assert only(result).url is None
    assert "is not an http(s) URL" in messages(result)[0]


def test_links_with_a_path_query_and_fragment_are_kept() -> None:
    link = "https://shop.example:8443/p/手机壳?id=1&c=%E4#top"
    assert only(parse_feed(rss(item(link=link.replace("&", "&amp;"))))).url == link


def test_latin1_feed_without_a_declaration_is_read() -> None:
    data = rss(item(title="Café crème", description="Größe: 42")).decode()
    data = data.replace('<?xml version="1.0" encoding="UTF-8"?>', "")
    product = only(parse_feed(data.encode("latin-1")))
    assert product.title == "Café crème" and product.description == "Größe: 42"


def test_a_long_run_of_white_space_parses_in_linear_time() -> None:
    # The declaration's pattern used to be tried at every position of such a run (quadratic:
    # a megabyte of spaces took most of an hour, holding the GIL and the bot's event loop).
    spaces = " " * 1_000_000
    data = rss(item(description=f"a{spaces}b")).replace(
        b'<?xml version="1.0" encoding="UTF-8"?>', b""
    )
    assert only(parse_feed(data)).description == "a b"


def test_text_cleaning() -> None:
    title = "&lt;script&gt;x&lt;/script&gt; 新款\u202e  &amp;amp;  手机壳\u200b" + "长" * 400
    data = rss(item(title=title, description="第一行&#10;第二行\t&lt;br/&gt;第三行"))
    product = only(parse_feed(data))
    assert product.title.startswith("x 新款 & 手机壳")
    assert len(product.title) == 300
    assert "\u202e" not in product.title
    assert product.description == "第一行 第二行 第三行"


def test_control_characters_dropped_in_tsv() -> None:
    data = tsv(["id", "title", "price"], ["C\x01", "耳机\x00\x07 蓝牙\x0b耳机", "1 CNY"])
    product = only(parse_feed(data))
    assert product.external_id == "C"
    assert product.title == "耳机 蓝牙 耳机"


def test_same_id_as_group_stays_separate() -> None:
    data = rss(item("G"), item("G-1", item_group_id="G"))
    assert [p.external_id for p in parse_feed(data).products] == ["G", "G"]


# --------------------------------------------------------------------------- whole-feed errors


def test_doctype_is_rejected() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<rss><channel><item><title>&lol2;</title></item></channel></rss>"
    )
    with pytest.raises(FeedError, match="DOCTYPE"):
        parse_feed(bomb)


def test_external_entity_is_rejected() -> None:
    data = (
        b'<!DOCTYPE rss SYSTEM "http://evil.example/x.dtd">'
        b"<rss><channel><item><title>x</title></item></channel></rss>"
    )
    with pytest.raises(FeedError, match="DOCTYPE"):
        parse_feed(data)


@pytest.mark.parametrize(
    "data",
    [
        b"<rss><channel><item><title>x</title></channel></rss>",
        b"<rss><channel><item><title>&nbsp;</title></item></channel></rss>",
        b"<rss>",
    ],
)
def test_malformed_xml_raises_feed_error(data: bytes) -> None:
    with pytest.raises(FeedError, match="malformed XML"):
        parse_feed(data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"  \n ", "empty"),
        (b"<html><body/></html>", "unsupported XML root"),
        (b"just some text", "unrecognised feed format"),
        (b'<?xml version="1.0" encoding="no-such-codec"?><rss/>', "cannot decode"),
    ],
)
def test_unreadable_feeds(data: bytes, expected: str) -> None:
    with pytest.raises(FeedError, match=expected):
        parse_feed(data)


def test_feed_error_is_a_value_error() -> None:
    assert issubclass(FeedError, ValueError)


# --------------------------------------------------------------------------- demo catalog


def test_demo_catalog_shape() -> None:
    result = parse_feed(CATALOG.read_bytes(), marketplace="demo")
    assert result.errors == []
    products = result.products
    assert 250 <= len(products) <= 400
    skus = [sku for product in products for sku in product.skus]
    assert all(sku.offer.currency == "CNY" and sku.offer.price > 0 for sku in skus)
    assert all(HAN.search(product.title) for product in products)
    assert all(
        product.url and product.url.startswith("https://shop.example.cn/") for product in products
    )
    assert len({product.category.split(" > ")[0] for product in products}) >= 10
    assert sum(any(sku.offer.promotion for sku in product.skus) for product in products) >= 20
    availability = Counter(sku.availability for sku in skus)
    assert availability[Availability.OUT_OF_STOCK] >= 10
    assert availability[Availability.IN_STOCK] > len(skus) * 0.7
    assert sum(len(product.skus) > 1 for product in products) >= 100
    assert all(sku.weight_grams for sku in skus)


@pytest.mark.parametrize(
    ("titles", "shared"),
    [
        (["数据线 黑色 1米", "数据线 白色 2米"], "数据线"),
        (["手机壳黑色", "手机壳白色"], "手机壳"),
        (["Cotton T-shirt Black M", "Cotton T-shirt Blue L"], "Cotton T-shirt"),
        (["Bag (red)", "Bag (rose)"], "Bag"),
        (["Mug A", "Large mug B"], "Mug A"),  # nothing shared: the first
        (["保温杯", "保温杯"], "保温杯"),
        (["红色连衣裙", "蓝色连衣裙"], "红色连衣裙"),  # nothing shared: the first
    ],
)
def test_a_groups_title_is_what_its_variants_share(titles: list[str], shared: str) -> None:
    assert shared_title(titles) == shared
