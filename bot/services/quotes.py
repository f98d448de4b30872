"""The landed cost of a cart: goods, domestic and international shipping, service fee, duties.

A pure computation over the operator's rates (bot/shipping_rates.py): no database, no network, no
Telegram, so the cart, the checkout, the invoice's shipping options and the CLI all get the same
figures. Every amount is a Decimal in CNY (what the marketplace and the carriers charge) rounded to
the fen once per line; the total is the sum of the rounded lines, so what is shown adds up.

How the figures are made:
- international: billable weight = max(actual, volumetric); volumetric = total volume / divisor
  (items without dimensions add none). The first weight is charged, then every started step.
- domestic: a flat amount per seller in the cart (each seller ships once to the warehouse).
- service fee: a percent of the goods, at least the minimum.
- duties: the goods value is converted to the de minimis currency and compared with the threshold
  (at the threshold is still exempt). Without a rate the cart is taken as above it and the
  estimate says so (`rate_missing`): a quote may overstate taxes, never hide them. VAT is on goods
  + international shipping + duty; where only the excess is taxed ("excess" basis), on the excess.
Cannot-quote cases raise a `QuoteError` subclass whose `reason` is a stable machine-readable word.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import ClassVar, Literal

from bot.shipping_rates import CNY, CountryRules, Line, LineCountry, ShippingRates
from integrations.money import Money, total

MAX_QUANTITY = 999
ZERO = Money(Decimal("0.00"), CNY)

FxConvert = Callable[[Money, str], Money | None]


@dataclass(frozen=True, slots=True)
class QuoteItem:
    title: str
    unit_price: Money  # CNY
    quantity: int
    weight_grams: int | None = None  # one unit; None or 0: unknown
    dimensions_cm: tuple[Decimal, Decimal, Decimal] | None = None  # one unit, packed
    category: str = ""
    seller: str = ""


class QuoteError(Exception):
    """The cart cannot be quoted; `reason` says why in one stable word."""

    reason: ClassVar[str] = "quote_error"


class EmptyCart(QuoteError):
    reason = "empty_cart"


class BadQuantity(QuoteError):
    reason = "bad_quantity"

    def __init__(self, index: int, quantity: object) -> None:
        super().__init__(f"item {index}: quantity must be 1..{MAX_QUANTITY}, not {quantity!r}")
        self.index, self.quantity = index, quantity


class BadItem(QuoteError):
    reason = "bad_item"

    def __init__(self, index: int, problem: str) -> None:
        super().__init__(f"item {index}: {problem}")
        self.index = index


class CountryNotServed(QuoteError):
    reason = "country_not_served"

    def __init__(self, country: str, line_id: str | None = None) -> None:
        what = f"line {line_id!r} does not" if line_id else "no line does"
        super().__init__(f"{what} ship to {country!r}")
        self.country, self.line_id = country, line_id


class UnknownLine(QuoteError):
    reason = "unknown_line"

    def __init__(self, line_id: str) -> None:
        super().__init__(f"no shipping line {line_id!r}")
        self.line_id = line_id


class RestrictedCategory(QuoteError):
    reason = "restricted_category"

    def __init__(self, line_id: str, categories: frozenset[str]) -> None:
        super().__init__(f"line {line_id!r} refuses {', '.join(sorted(categories))}")
        self.line_id, self.categories = line_id, categories


class OverMaxWeight(QuoteError):
    reason = "over_max_weight"

    def __init__(self, line_id: str, grams: int, max_grams: int) -> None:
        super().__init__(f"line {line_id!r} takes at most {max_grams} g, the cart weighs {grams} g")
        self.line_id, self.grams, self.max_grams = line_id, grams, max_grams


@dataclass(frozen=True, slots=True)
class LineOption:
    """One line for one cart and country: its price, or the `reason` it cannot carry the cart."""

    line_id: str
    name: str
    price: Money | None  # None when the line cannot carry the cart
    days: tuple[int, int] | None  # None when the line does not serve the country
    billable_grams: int | None
    reason: str | None = None  # a QuoteError reason
    restricted: frozenset[str] = frozenset()  # the refused categories found in the cart

    @property
    def available(self) -> bool:
        return self.reason is None


@dataclass(frozen=True, slots=True)
class CustomsEstimate:
    duty: Money  # CNY
    vat: Money  # CNY
    threshold: Money  # in the de minimis currency
    goods_value: Money | None  # the goods in that currency; None when no rate was available
    above_threshold: bool
    rate_missing: bool
    exempts: Literal["none", "duty", "duty_and_vat"]

    @property
    def total(self) -> Money:
        return self.duty + self.vat


@dataclass(frozen=True, slots=True)
class Quote:
    country: str
    line_id: str
    line_name: str
    goods: Money
    domestic_shipping: Money
    international: Money
    service_fee: Money
    duties: Money  # duty + VAT estimate; detail in `customs`
    total: Money
    customs: CustomsEstimate
    delivery_days: tuple[int, int]
    actual_grams: int
    billable_grams: int
    estimated_weight: bool  # some item had no weight: the data file's default was used
    rates_version: int
    rates_updated: date

    def lines(self) -> list[tuple[str, Money]]:
        """The named lines that make up `total`, in display order."""
        return [
            ("goods", self.goods),
            ("domestic_shipping", self.domestic_shipping),
            ("international", self.international),
            ("service_fee", self.service_fee),
            ("duties", self.duties),
        ]


@dataclass(frozen=True, slots=True)
class _Parcel:
    actual_grams: int
    volume_cm3: Decimal
    estimated: bool
    refused: frozenset[str]  # restricted categories found in the cart


def options(items: Sequence[QuoteItem], country: str, rates: ShippingRates) -> list[LineOption]:
    """Every line in the rates for this cart to `country`, available or with its reason."""
    parcel = _parcel(items, rates)
    if country not in rates.countries or not rates.lines_to(country):
        raise CountryNotServed(country)
    result = []
    for line_id, line in rates.lines.items():
        tariff = line.countries.get(country)
        if tariff is None:
            result.append(LineOption(line_id, line.name, None, None, None, CountryNotServed.reason))
            continue
        grams = _billable_grams(parcel, line)
        problem = _refusal(line_id, line, parcel)
        result.append(
            LineOption(
                line_id,
                line.name,
                None if problem else line_price(tariff, grams),
                tariff.days,
                grams,
                problem.reason if problem else None,
                parcel.refused & line.refuses,
            )
        )
    return result


def quote(
    items: Sequence[QuoteItem],
    country: str,
    line_id: str,
    rates: ShippingRates,
    fx_convert: FxConvert,
) -> Quote:
    """The landed cost of `items` shipped to `country` on `line_id`; raises a QuoteError."""
    parcel = _parcel(items, rates)
    line = rates.lines.get(line_id)
    if line is None:
        raise UnknownLine(line_id)
    rules = rates.countries.get(country)
    tariff = line.countries.get(country)
    if rules is None or tariff is None:
        raise CountryNotServed(country, line_id)
    problem = _refusal(line_id, line, parcel)
    if problem:
        raise problem
    grams = _billable_grams(parcel, line)
    goods = total([i.unit_price * i.quantity for i in items], CNY).rounded()
    domestic = (rates.domestic.price() * len({i.seller for i in items})).rounded()
    international = line_price(tariff, grams)
    fee = max(
        (goods * (rates.service_fee.percent / 100)).rounded(),
        Money(rates.service_fee.minimum, CNY).rounded(),
        key=lambda m: m.amount,
    )
    customs = estimate_customs(goods, international, _tariff_headings(items), rules, fx_convert)
    parts = [goods, domestic, international, fee, customs.total]
    return Quote(
        country=country,
        line_id=line_id,
        line_name=line.name,
        goods=goods,
        domestic_shipping=domestic,
        international=international,
        service_fee=fee,
        duties=customs.total,
        total=total(parts, CNY),
        customs=customs,
        delivery_days=tariff.days,
        actual_grams=parcel.actual_grams,
        billable_grams=grams,
        estimated_weight=parcel.estimated,
        rates_version=rates.version,
        rates_updated=rates.updated,
    )


def _billable_grams(parcel: _Parcel, line: Line) -> int:
    """max(actual, volumetric) in whole grams, the volumetric weight rounded up."""
    if line.volumetric_divisor is None:
        return parcel.actual_grams
    volumetric = (parcel.volume_cm3 * 1000 / line.volumetric_divisor).to_integral_value(
        rounding=ROUND_CEILING
    )
    return max(parcel.actual_grams, int(volumetric))


def line_price(tariff: LineCountry, grams: int) -> Money:
    """The first weight's price, plus every started step beyond it."""
    steps = -(-max(0, grams - tariff.first_grams) // tariff.step_grams)
    return Money(tariff.first_price + tariff.step_price * steps, CNY).rounded()


def estimate_customs(
    goods: Money, shipping: Money, headings: int, rules: CountryRules, fx_convert: FxConvert
) -> CustomsEstimate:
    """Duty and VAT on `goods` (CNY) under the country's de minimis rule."""
    rule = rules.de_minimis
    value = fx_convert(goods, rule.currency)
    missing = value is None
    above = value is None or value.amount > rule.amount
    duty = ZERO
    if not above and rule.exempts != "none" and rule.flat_duty and headings:
        flat = fx_convert(Money(rule.flat_duty * headings, rule.currency), CNY)
        if flat is None:
            missing = above = True  # cannot price the flat duty: assume the full rate
        else:
            duty = flat.rounded()
    taxed, extra = goods, shipping  # duty is on `taxed`; VAT on taxed + extra + duty
    if value is not None and rule.basis == "excess" and value.amount > rule.amount:
        taxed, extra = goods * ((value.amount - rule.amount) / value.amount), ZERO
    if above or rule.exempts == "none":
        duty = (taxed * (rules.duty_percent / 100)).rounded()
    if not above and rule.exempts == "duty_and_vat":
        vat = ZERO
    else:
        vat = ((taxed + extra + duty) * (rules.vat_percent / 100)).rounded()
    return CustomsEstimate(
        duty=duty,
        vat=vat,
        threshold=rule.threshold,
        goods_value=value,
        above_threshold=above,
        rate_missing=missing,
        exempts=rule.exempts,
    )


def restricted_categories(item: QuoteItem, rates: ShippingRates) -> frozenset[str]:
    """The restriction names that `item` falls under: by category name, or a word in its text."""
    text = f"{item.category}\n{item.title}".casefold()
    own = item.category.strip().casefold()
    return frozenset(
        name
        for name, words in rates.restrictions.items()
        if own == name.casefold() or any(word.casefold() in text for word in words)
    )


def _refusal(line_id: str, line: Line, parcel: _Parcel) -> QuoteError | None:
    refused = parcel.refused & line.refuses
    if refused:
        return RestrictedCategory(line_id, refused)
    if parcel.actual_grams > line.max_grams:
        return OverMaxWeight(line_id, parcel.actual_grams, line.max_grams)
    return None


def _tariff_headings(items: Sequence[QuoteItem]) -> int:
    # A flat per-item duty counts distinct tariff headings; distinct categories approximate them.
    return len({(i.category.strip() or i.title.strip()).casefold() for i in items})


def _parcel(items: Sequence[QuoteItem], rates: ShippingRates) -> _Parcel:
    """Check every item and add up weight and volume; raises EmptyCart, BadQuantity, BadItem."""
    if not items:
        raise EmptyCart("the cart is empty")
    grams, volume, estimated, refused = 0, Decimal(0), False, frozenset[str]()
    for index, item in enumerate(items):
        quantity = item.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise BadQuantity(index, quantity)
        if not 1 <= quantity <= MAX_QUANTITY:
            raise BadQuantity(index, quantity)
        if item.unit_price.currency != CNY or item.unit_price.amount < 0:
            raise BadItem(index, f"unit price must be a CNY amount >= 0, not {item.unit_price}")
        weight = item.weight_grams
        if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int)):
            raise BadItem(index, f"weight must be whole grams, not {weight!r}")
        if weight is not None and weight < 0:
            raise BadItem(index, f"weight must be >= 0 grams, not {weight}")
        if not weight:
            weight, estimated = rates.defaults.item_weight_grams, True
        grams += weight * quantity
        volume += _volume(index, item) * quantity
        refused |= restricted_categories(item, rates)
    return _Parcel(grams, volume, estimated, refused)


def _volume(index: int, item: QuoteItem) -> Decimal:
    if item.dimensions_cm is None:
        return Decimal(0)
    sides = item.dimensions_cm
    if len(sides) != 3 or not all(
        isinstance(s, Decimal | int) and not isinstance(s, bool) and s > 0 for s in sides
    ):
        raise BadItem(index, f"dimensions must be three sizes > 0 in cm, not {sides!r}")
    length, width, height = (Decimal(s) for s in sides)
    return length * width * height
