"""The bundled rates file is complete and sane; a bad file fails with one exact line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from babel.numbers import get_territory_currencies
from pydantic import ValidationError

from bot import regions
from bot.services.quotes import QuoteItem, line_price, restricted_categories
from bot.shipping_rates import (
    BUNDLED,
    ShippingRates,
    ShippingRatesError,
    load_rates,
    read_rates,
)
from integrations.money import Money

MINI = """\
version = 1
updated = "2026-12-01"

[defaults]
item_weight_grams = 500

[domestic]
per_seller = 12

[service_fee]
percent = 5
minimum = 10

[restrictions]
batteries = ["battery"]
knives = ["knife"]

[lines.express]
name = "Express"
volumetric_divisor = 5000
max_grams = 30000
refuses = ["batteries"]

[lines.express.countries]
DE = { first_grams = 500, first_price = 220, step_grams = 500, step_price = 55.5, days = [3, 6] }

[countries.DE]
currency = "EUR"
vat_percent = 19
duty_percent = 6
de_minimis = { amount = 150, currency = "EUR", exempts = "duty", flat_duty = 3 }
"""

DE_LINE = "DE = { first_grams = 500, first_price = 220, step_grams = 500, step_price = 55.5, days = [3, 6] }"


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shipping.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the bundled file -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> ShippingRates:
    return read_rates(BUNDLED)


def test_bundled_file_is_version_1_with_at_least_15_countries_and_3_lines(
    bundled: ShippingRates,
) -> None:
    assert bundled.version == 1
    assert bundled.updated.isoformat() == "2026-12-01"
    assert len(bundled.countries) >= 15
    assert {"economy", "standard", "express"} <= set(bundled.lines)


def test_every_bundled_country_is_offered_and_served_by_a_line(bundled: ShippingRates) -> None:
    for code in bundled.countries:
        assert regions.is_country(code), code
        assert bundled.lines_to(code), f"{code} has tax rules but no line ships there"
    for line_id, line in bundled.lines.items():
        assert set(line.countries) <= set(bundled.countries), line_id


def test_every_bundled_country_has_every_value_and_its_own_currency(
    bundled: ShippingRates,
) -> None:
    for code, rules in bundled.countries.items():
        assert rules.currency in get_territory_currencies(code), code
        assert Decimal(0) <= rules.vat_percent < 30, code
        assert Decimal(0) <= rules.duty_percent <= 30, code
        assert rules.de_minimis.exempts in {"none", "duty", "duty_and_vat"}, code
        assert rules.note, f"{code} should say where its figures come from"


def test_every_bundled_tariff_is_priced_and_has_a_days_range(bundled: ShippingRates) -> None:
    for line_id, line in bundled.lines.items():
        assert line.refuses <= set(bundled.restrictions), line_id
        for code, tariff in line.countries.items():
            assert tariff.first_price > 0 and tariff.step_price > 0, (line_id, code)
            assert 0 < tariff.days[0] <= tariff.days[1] <= 60, (line_id, code)


def test_faster_lines_cost_more_for_a_1_kg_parcel(bundled: ShippingRates) -> None:
    for code in ("US", "DE", "GB", "AU", "JP"):
        prices = [
            line_price(bundled.lines[line].countries[code], 1000).amount
            for line in ("economy", "standard", "express")
        ]
        days = [
            bundled.lines[line].countries[code].days[1]
            for line in ("economy", "standard", "express")
        ]
        assert days == sorted(days, reverse=True), code
        assert prices[1] < prices[2], code


def test_eu_us_uk_au_thresholds_follow_the_rules_stated_in_the_file(bundled: ShippingRates) -> None:
    de = bundled.countries["DE"].de_minimis
    assert (de.amount, de.currency, de.exempts, de.flat_duty) == (150, "EUR", "duty", 3)
    us = bundled.countries["US"].de_minimis
    assert (us.amount, us.exempts) == (0, "none")
    gb = bundled.countries["GB"].de_minimis
    assert (gb.amount, gb.currency, gb.exempts) == (135, "GBP", "duty")
    au = bundled.countries["AU"]
    assert (au.vat_percent, au.de_minimis.exempts) == (10, "duty")


def test_decimals_are_read_exactly_never_as_floats(bundled: ShippingRates) -> None:
    step = bundled.lines["economy"].countries["DE"].step_price
    assert type(step) is Decimal and step == Decimal("8.5")
    assert bundled.countries["CH"].vat_percent == Decimal("8.1")


@pytest.mark.parametrize(
    ("title", "category", "expected"),
    [
        ("罗马仕 充电宝 20000mAh", "数码 > 移动电源", {"batteries"}),
        ("Chanel No.5 香水 50ml", "美妆 > 香水", {"liquids"}),
        ("钕磁铁 强磁 20 个", "五金", {"magnets"}),
        ("whey 蛋白粉 2kg", "保健", {"powders"}),
        ("24寸 液晶显示器", "电脑 > 显示器", set()),  # 液晶 is a screen, not a liquid
        ("粉色 T恤 女", "服装 > T恤", set()),  # 粉色 is pink, not a powder
        ("anything", "knives", {"knives"}),  # the category may name the restriction itself
    ],
)
def test_bundled_restriction_words_find_risky_items_and_spare_look_alikes(
    bundled: ShippingRates, title: str, category: str, expected: set[str]
) -> None:
    item = QuoteItem(title, Money(Decimal(1), "CNY"), 1, category=category)
    assert restricted_categories(item, bundled) == expected


def test_loaded_rates_are_cached_and_frozen() -> None:
    rates = load_rates()
    assert load_rates() is rates
    with pytest.raises(ValidationError):
        rates.version = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        rates.countries["XX"] = rates.countries["DE"]  # type: ignore[index]


def test_a_mini_file_loads(tmp_path: Path) -> None:
    rates = read_rates(written(tmp_path, MINI))
    assert rates.lines["express"].countries["DE"].step_price == Decimal("55.5")
    assert rates.countries["DE"].de_minimis.threshold == Money(Decimal(150), "EUR")


# --- malformed files: one exact line each ------------------------------------------------------


BAD = [
    (
        "negative price",
        ("first_price = 220", "first_price = -1"),
        "lines.express.countries.DE.first_price: must be > 0",
    ),
    (
        "zero price",
        ("first_price = 220", "first_price = 0"),
        "lines.express.countries.DE.first_price: must be > 0",
    ),
    (
        "missing field",
        ("step_grams = 500, ", ""),
        "lines.express.countries.DE.step_grams: required",
    ),
    (
        "string for a number",
        ("first_price = 220", 'first_price = "220"'),
        "lines.express.countries.DE.first_price: must be a number, not a string",
    ),
    (
        "fraction for whole grams",
        ("step_grams = 500", "step_grams = 500.5"),
        "lines.express.countries.DE.step_grams: must be an integer",
    ),
    (
        "not a number",
        ("step_price = 55.5", "step_price = nan"),
        "lines.express.countries.DE.step_price: must be a finite number",
    ),
    (
        "days reversed",
        ("days = [3, 6]", "days = [6, 3]"),
        "lines.express.countries.DE.days: must be [min, max] with min <= max",
    ),
    (
        "unknown country code in a line",
        (DE_LINE, DE_LINE + "\n" + DE_LINE.replace("DE =", "XX =")),
        "lines.express.countries.XX: unknown country code 'XX' (see bot/regions.py)",
    ),
    (
        "unknown country code in the taxes",
        ("[countries.DE]", "[countries.ZZ]"),
        "countries.ZZ: unknown country code 'ZZ' (see bot/regions.py)",
    ),
    (
        "version as a string",
        ("version = 1", 'version = "1"'),
        "version: must be an integer",
    ),
    (
        "version from the future",
        ("version = 1", "version = 2"),
        "version: 2 is not supported (this shopbot reads version 1)",
    ),
    (
        "version missing",
        ("version = 1\n", ""),
        "version: required",
    ),
    (
        "bad date",
        ('updated = "2026-12-01"', 'updated = "soon"'),
        'updated: must be a date like "2026-12-01"',
    ),
    (
        "unknown exemption",
        ('exempts = "duty"', 'exempts = "vat"'),
        "countries.DE.de_minimis.exempts: must be 'none', 'duty' or 'duty_and_vat'",
    ),
    (
        "unknown currency",
        ('currency = "EUR", exempts', 'currency = "EUX", exempts'),
        "countries.DE.de_minimis.currency: unknown currency code 'EUX'",
    ),
    (
        "percent over 100",
        ("vat_percent = 19", "vat_percent = 119"),
        "countries.DE.vat_percent: must be <= 100",
    ),
    (
        "typo in a field name",
        ("max_grams = 30000", "max_gram = 30000"),
        "lines.express.max_gram: unknown field (did you mean max_grams?)",
    ),
    (
        "field not in the format",
        ("[domestic]", "[domestic]\ncolour = 1"),
        "domestic.colour: unknown field",
    ),
    (
        "refused category not defined",
        ('refuses = ["batteries"]', 'refuses = ["batteries", "guns"]'),
        "lines.express.refuses: 'guns' is not a category in [restrictions]",
    ),
    (
        "served country without taxes",
        (DE_LINE, DE_LINE + "\n" + DE_LINE.replace("DE =", "FR =")),
        "lines.express.countries.FR: no [countries.FR] tax rules",
    ),
]


@pytest.mark.parametrize(("change", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_malformed_file_names_the_file_and_the_field(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in MINI
    path = written(tmp_path, MINI.replace(old, new, 1))
    with pytest.raises(ShippingRatesError) as caught:
        read_rates(path)
    assert str(caught.value) == f"{path}: {expected}"


def test_broken_toml_is_one_line_naming_the_file_and_position(tmp_path: Path) -> None:
    path = written(tmp_path, MINI.replace("percent = 5", "percent = = 5"))
    with pytest.raises(ShippingRatesError) as caught:
        read_rates(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: invalid TOML: ")
    assert "line 11" in message and "\n" not in message


def test_a_missing_file_says_it_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ShippingRatesError) as caught:
        read_rates(path)
    assert str(caught.value) == f"{path}: cannot read: No such file or directory"
