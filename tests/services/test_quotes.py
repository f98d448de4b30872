"""Landed-cost quotes against a small rates file whose answers are worked out by hand below."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal as D

import pytest

from bot.services.quotes import (
    BadItem,
    BadQuantity,
    CountryNotServed,
    EmptyCart,
    OverMaxWeight,
    QuoteItem,
    RestrictedCategory,
    UnknownLine,
    line_price,
    options,
    quote,
)
from bot.shipping_rates import ShippingRates, parse_rates
from integrations.money import Money

RATES = """\
version = 1
updated = "2026-12-01"

[defaults]
item_weight_grams = 300

[domestic]
per_seller = 8

[service_fee]
percent = 5
minimum = 10

[restrictions]
batteries = ["battery", "充电宝"]
liquids = ["香水", "液体"]

[lines.post]
name = "Post"
max_grams = 2000
refuses = ["batteries", "liquids"]

[lines.post.countries]
DE = { first_grams = 100, first_price = 20, step_grams = 100, step_price = 5.5, days = [10, 20] }

[lines.courier]
name = "Courier"
volumetric_divisor = 6000
max_grams = 30000
refuses = ["batteries"]

[lines.courier.countries]
DE = { first_grams = 500, first_price = 60, step_grams = 500, step_price = 30, days = [5, 9] }
GB = { first_grams = 500, first_price = 60, step_grams = 500, step_price = 30, days = [5, 9] }
RU = { first_grams = 500, first_price = 60, step_grams = 500, step_price = 30, days = [5, 9] }
US = { first_grams = 500, first_price = 60, step_grams = 500, step_price = 30, days = [5, 9] }
JP = { first_grams = 500, first_price = 60, step_grams = 500, step_price = 30, days = [5, 9] }

[countries.DE]
currency = "EUR"
vat_percent = 19
duty_percent = 10
de_minimis = { amount = 150, currency = "EUR", exempts = "duty", flat_duty = 3 }

[countries.GB]
currency = "GBP"
vat_percent = 20
duty_percent = 10
de_minimis = { amount = 135, currency = "GBP", exempts = "duty" }

[countries.RU]
currency = "RUB"
vat_percent = 0
duty_percent = 15
de_minimis = { amount = 200, currency = "EUR", exempts = "duty_and_vat", basis = "excess" }

[countries.US]
currency = "USD"
vat_percent = 0
duty_percent = 25
de_minimis = { amount = 0, currency = "USD", exempts = "none" }

[countries.JP]
currency = "JPY"
vat_percent = 10
duty_percent = 5
de_minimis = { amount = 10000, currency = "JPY", exempts = "duty_and_vat" }

[countries.FR]
currency = "EUR"
vat_percent = 20
duty_percent = 10
de_minimis = { amount = 150, currency = "EUR", exempts = "duty" }
"""

# CNY per unit: 1 EUR = 8 CNY, 1 GBP = 9 CNY, 1 USD = 7 CNY, 1 JPY = 0.05 CNY.
CNY_PER = {"CNY": D(1), "EUR": D(8), "GBP": D(9), "USD": D(7), "JPY": D("0.05")}


def fx(money: Money, currency: str) -> Money | None:
    if money.currency not in CNY_PER or currency not in CNY_PER:
        return None
    return Money(money.amount * CNY_PER[money.currency] / CNY_PER[currency], currency)


def no_fx(money: Money, currency: str) -> Money | None:
    return None


def cny(value: str) -> Money:
    return Money(D(value), "CNY")


def item(
    price: str = "100",
    quantity: int = 1,
    grams: int | None = 1000,
    box: tuple[int, int, int] | None = None,
    category: str = "家居 > 灯具",
    seller: str = "s1",
    title: str = "台灯",
) -> QuoteItem:
    dims = None if box is None else (D(box[0]), D(box[1]), D(box[2]))
    return QuoteItem(title, cny(price), quantity, grams, dims, category, seller)


@pytest.fixture(scope="module")
def rates() -> ShippingRates:
    return parse_rates(tomllib.loads(RATES, parse_float=D), "test rates")


# --- the whole quote, by hand ---------------------------------------------------------------------


def test_a_light_big_box_is_charged_by_volume_and_every_line_adds_up(rates: ShippingRates) -> None:
    # 1.2 kg in a 40x30x20 cm box: 24,000 cm3 / 6000 = 4 kg billable.
    # Courier: first 500 g 60 + 7 further steps of 500 g x 30 = 270.
    # Goods 100, domestic 8 (one seller), fee max(5 % = 5, minimum 10) = 10.
    # DE: 100 CNY = 12.50 EUR <= 150: no ad-valorem duty, the flat EUR 3 (one category) = 24 CNY;
    # VAT 19 % x (100 + 270 + 24) = 74.86. Duties 98.86. Total 486.86.
    q = quote([item(grams=1200, box=(40, 30, 20))], "DE", "courier", rates, fx)
    assert q.billable_grams == 4000 and q.actual_grams == 1200
    assert q.lines() == [
        ("goods", cny("100")),
        ("domestic_shipping", cny("8")),
        ("international", cny("270")),
        ("service_fee", cny("10")),
        ("duties", cny("98.86")),
    ]
    assert (q.customs.duty, q.customs.vat) == (cny("24"), cny("74.86"))
    assert q.total == cny("486.86")
    assert q.customs.goods_value == Money(D("12.5"), "EUR")
    assert not q.customs.above_threshold and not q.customs.rate_missing
    assert (q.country, q.line_id, q.line_name, q.delivery_days) == (
        "DE",
        "courier",
        "Courier",
        (5, 9),
    )
    assert (q.rates_version, q.rates_updated, q.estimated_weight) == (1, date(2026, 12, 1), False)


def test_the_total_is_the_sum_of_the_rounded_lines(rates: ShippingRates) -> None:
    q = quote([item("33.33", 3), item("0.01", 7, seller="s2")], "GB", "courier", rates, fx)
    assert q.total == sum((m for _, m in q.lines()), cny("0"))
    assert all(m.amount == m.rounded().amount for _, m in q.lines())


# --- weights and the line price --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grams", "price"),
    [(1, "60"), (500, "60"), (501, "90"), (1000, "90"), (1001, "120"), (4000, "270")],
)
def test_courier_charges_the_first_500_g_then_every_started_500_g(
    rates: ShippingRates, grams: int, price: str
) -> None:
    assert line_price(rates.lines["courier"].countries["DE"], grams) == cny(price)


@pytest.mark.parametrize(("grams", "price"), [(100, "20"), (101, "25.50"), (2000, "124.50")])
def test_post_charges_the_first_100_g_then_every_started_100_g(
    rates: ShippingRates, grams: int, price: str
) -> None:
    assert line_price(rates.lines["post"].countries["DE"], grams) == cny(price)


def by_line(rates: ShippingRates, items: list[QuoteItem], country: str = "DE") -> dict:
    return {o.line_id: o for o in options(items, country, rates)}


def test_heavy_small_parcel_is_charged_by_actual_weight(rates: ShippingRates) -> None:
    # 10x10x10 = 1,000 cm3 / 6000 = 166.7 g volumetric; 5 kg actual: 60 + 9 x 30 = 330.
    courier = by_line(rates, [item(grams=5000, box=(10, 10, 10))])["courier"]
    assert (courier.billable_grams, courier.price) == (5000, cny("330"))


def test_volumetric_grams_are_rounded_up(rates: ShippingRates) -> None:
    # 1,000 cm3 / 6000 kg = 166.67 g -> 167 g billable, more than the 100 g actual.
    assert by_line(rates, [item(grams=100, box=(10, 10, 10))])["courier"].billable_grams == 167


def test_quantity_multiplies_weight_and_volume(rates: ShippingRates) -> None:
    # 2 x 20x20x20 = 16,000 cm3 / 6000 = 2,666.7 -> 2,667 g > 600 g actual;
    # 60 + ceil(2,167 / 500) = 5 steps x 30 = 210.
    courier = by_line(rates, [item(quantity=2, grams=300, box=(20, 20, 20))])["courier"]
    assert (courier.billable_grams, courier.price) == (2667, cny("210"))


def test_a_line_without_divisor_ignores_volume(rates: ShippingRates) -> None:
    post = by_line(rates, [item(grams=150, box=(40, 30, 20))])["post"]
    assert (post.billable_grams, post.price) == (150, cny("25.50"))


@pytest.mark.parametrize("grams", [None, 0])
def test_an_item_without_weight_uses_the_default_and_says_so(
    rates: ShippingRates, grams: int | None
) -> None:
    q = quote([item(quantity=2, grams=grams), item(grams=250)], "DE", "courier", rates, fx)
    assert q.actual_grams == 2 * 300 + 250 and q.estimated_weight


# --- domestic shipping and the service fee ------------------------------------------------------


def test_domestic_shipping_is_once_per_seller(rates: ShippingRates) -> None:
    items = [item(seller="a"), item(seller="b"), item(seller="a")]
    assert quote(items, "DE", "courier", rates, fx).domestic_shipping == cny("16")


def test_service_fee_is_a_percent_of_goods_above_the_minimum(rates: ShippingRates) -> None:
    q = quote([item("500", 2)], "DE", "courier", rates, fx)
    assert (q.goods, q.service_fee) == (cny("1000"), cny("50"))


# --- duties and the de minimis ---------------------------------------------------------------------
# One 1 kg item without a box: courier 90 CNY in every case below.


@pytest.mark.parametrize(
    ("country", "price", "duty", "vat", "above"),
    [
        # DE at EUR 150.00 (1200 CNY): flat EUR 3 = 24; VAT 19 % x (1200 + 90 + 24) = 249.66.
        ("DE", "1200", "24", "249.66", False),
        # DE at EUR 150.01: duty 10 % = 120.008 -> 120.01; VAT 19 % x 1410.09 = 267.9171 -> 267.92.
        ("DE", "1200.08", "120.01", "267.92", True),
        # GB at GBP 135.00: no duty; VAT 20 % x (1215 + 90) = 261.
        ("GB", "1215", "0", "261", False),
        # GB at GBP 135.01: duty 121.509 -> 121.51; VAT 20 % x 1426.60 = 285.32.
        ("GB", "1215.09", "121.51", "285.32", True),
        # JP at JPY 10,000: duty and VAT both exempt.
        ("JP", "500", "0", "0", False),
        # JP at JPY 10,000.2: duty 5 % = 25.0005 -> 25.00 (half to even); VAT 10 % x 615.01 = 61.50.
        ("JP", "500.01", "25.00", "61.50", True),
        # RU at EUR 200: exempt.
        ("RU", "1600", "0", "0", False),
        # RU at EUR 250: only the EUR 50 excess (1/5 of 2000 = 400 CNY) is taxed, 15 % = 60.
        ("RU", "2000", "60", "0", True),
        # US: no de minimis at all: 25 % of 100.
        ("US", "100", "25", "0", True),
    ],
)
def test_duties_at_and_just_above_the_threshold(
    rates: ShippingRates, country: str, price: str, duty: str, vat: str, above: bool
) -> None:
    q = quote([item(price)], country, "courier", rates, fx)
    assert q.international == cny("90")
    assert (q.customs.duty, q.customs.vat, q.customs.above_threshold) == (
        cny(duty),
        cny(vat),
        above,
    )
    assert q.duties == cny(duty) + cny(vat)
    assert not q.customs.rate_missing


def test_without_a_rate_the_estimate_assumes_above_the_threshold_and_says_so(
    rates: ShippingRates,
) -> None:
    # 100 CNY would be under EUR 150; without a rate: duty 10 % = 10, VAT 19 % x (100 + 90 + 10) = 38.
    q = quote([item("100")], "DE", "courier", rates, no_fx)
    assert (q.customs.duty, q.customs.vat) == (cny("10"), cny("38"))
    assert q.customs.above_threshold and q.customs.rate_missing
    assert q.customs.goods_value is None
    # RU without a rate: the whole 2000 is taxed at 15 %, not only an unknown excess.
    assert quote([item("2000")], "RU", "courier", rates, no_fx).customs.duty == cny("300")


def test_flat_low_value_duty_is_per_distinct_category(rates: ShippingRates) -> None:
    two_kinds = [item("50", grams=400, category="服装 > T恤"), item("50", grams=400)]
    one_kind = [item("50", grams=400), item("50", grams=400, title="另一盏台灯")]
    assert quote(two_kinds, "DE", "courier", rates, fx).customs.duty == cny("48")
    assert quote(one_kind, "DE", "courier", rates, fx).customs.duty == cny("24")


# --- line options ----------------------------------------------------------------------------------


def test_options_list_every_line_with_price_or_reason(rates: ShippingRates) -> None:
    perfume = item(grams=200, category="美妆", title="香水 50ml")
    lines = by_line(rates, [perfume])
    post, courier = lines["post"], lines["courier"]
    assert (post.available, post.reason, post.price) == (False, "restricted_category", None)
    assert (post.restricted, post.days, post.billable_grams) == (
        frozenset({"liquids"}),
        (10, 20),
        200,
    )
    assert (courier.available, courier.price, courier.days) == (True, cny("60"), (5, 9))
    assert courier.restricted == frozenset()


def test_options_say_which_lines_do_not_serve_the_country(rates: ShippingRates) -> None:
    lines = by_line(rates, [item()], "GB")
    assert lines["post"].reason == "country_not_served"
    assert (lines["post"].price, lines["post"].days, lines["post"].billable_grams) == (
        None,
        None,
        None,
    )
    assert lines["courier"].available


def test_options_say_which_lines_are_too_small(rates: ShippingRates) -> None:
    lines = by_line(rates, [item(grams=2500)])
    assert lines["post"].reason == "over_max_weight" and lines["post"].price is None
    assert lines["courier"].price == cny("180")  # 60 + 4 x 30


@pytest.mark.parametrize("country", ["FR", "XX"])
def test_a_country_no_line_serves_is_refused(rates: ShippingRates, country: str) -> None:
    with pytest.raises(CountryNotServed) as caught:
        options([item()], country, rates)
    assert caught.value.reason == "country_not_served"
    with pytest.raises(CountryNotServed):
        quote([item()], country, "courier", rates, fx)


# --- what cannot be quoted ---------------------------------------------------------------------------


def test_a_line_that_does_not_serve_the_country(rates: ShippingRates) -> None:
    with pytest.raises(CountryNotServed) as caught:
        quote([item()], "GB", "post", rates, fx)
    assert (caught.value.country, caught.value.line_id) == ("GB", "post")


def test_an_unknown_line(rates: ShippingRates) -> None:
    with pytest.raises(UnknownLine) as caught:
        quote([item()], "DE", "drone", rates, fx)
    assert caught.value.reason == "unknown_line"


def test_a_restricted_category_names_what_the_line_refuses(rates: ShippingRates) -> None:
    battery = item(title="罗马仕 充电宝", category="数码")
    with pytest.raises(RestrictedCategory) as caught:
        quote([item(), battery], "DE", "courier", rates, fx)
    assert caught.value.reason == "restricted_category"
    assert caught.value.categories == frozenset({"batteries"})


def test_a_category_named_like_a_restriction_is_restricted(rates: ShippingRates) -> None:
    with pytest.raises(RestrictedCategory):
        quote([item(category="Liquids", title="x")], "DE", "post", rates, fx)


def test_over_max_weight_counts_from_one_gram_over(rates: ShippingRates) -> None:
    assert quote([item(grams=1000, quantity=2)], "DE", "post", rates, fx).actual_grams == 2000
    with pytest.raises(OverMaxWeight) as caught:
        quote([item(grams=2001)], "DE", "post", rates, fx)
    assert (caught.value.reason, caught.value.grams, caught.value.max_grams) == (
        "over_max_weight",
        2001,
        2000,
    )


def test_an_empty_cart(rates: ShippingRates) -> None:
    with pytest.raises(EmptyCart) as caught:
        quote([], "DE", "courier", rates, fx)
    assert caught.value.reason == "empty_cart"
    with pytest.raises(EmptyCart):
        options([], "DE", rates)


@pytest.mark.parametrize("quantity", [0, -1, 1000, 10**9])
def test_quantities_outside_1_to_999_are_refused(rates: ShippingRates, quantity: int) -> None:
    with pytest.raises(BadQuantity) as caught:
        quote([item(), item(quantity=quantity)], "DE", "courier", rates, fx)
    assert (caught.value.reason, caught.value.index, caught.value.quantity) == (
        "bad_quantity",
        1,
        quantity,
    )
    with pytest.raises(BadQuantity):
        options([item(quantity=quantity)], "DE", rates)


def test_999_is_allowed(rates: ShippingRates) -> None:
    q = quote([item("1", 999, grams=10)], "DE", "courier", rates, fx)
    assert (q.goods, q.actual_grams) == (cny("999"), 9990)


@pytest.mark.parametrize(
    "bad",
    [
        QuoteItem("x", Money(D(10), "USD"), 1),
        QuoteItem("x", cny("-0.01"), 1),
        QuoteItem("x", cny("1"), 1, weight_grams=-5),
        QuoteItem("x", cny("1"), 1, dimensions_cm=(D(0), D(1), D(1))),
    ],
)
def test_a_malformed_item_is_refused(rates: ShippingRates, bad: QuoteItem) -> None:
    with pytest.raises(BadItem) as caught:
        quote([bad], "DE", "courier", rates, fx)
    assert caught.value.reason == "bad_item"


# --- determinism -----------------------------------------------------------------------------------


def test_the_order_of_items_does_not_change_the_quote(rates: ShippingRates) -> None:
    items = [
        item("19.99", 3, grams=120, box=(12, 8, 5), category="a", seller="x"),
        item("250", 1, grams=None, category="b", seller="y"),
        item("0.50", 40, grams=15, category="c", seller="x"),
    ]
    first = quote(items, "DE", "courier", rates, fx)
    assert quote(list(reversed(items)), "DE", "courier", rates, fx) == first
    assert quote(items, "DE", "courier", rates, fx) == first
