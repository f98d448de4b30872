"""Landed-cost data (shipping lines, fees, country taxes) read from an operator-edited TOML file.

Prices and thresholds change far more often than code, so they live in a versioned data file
(bundled: bot/data/shipping.toml; the operator may point SHIPPING_RATES_FILE at their own copy).
Numbers are parsed with `parse_float=Decimal`, so `8.5` is exactly 8.5 and no float ever reaches
a price. A bad file stops start-up with ONE line naming the file and the field inside it, e.g.
`shipping.toml: lines.express.countries.DE.first_price: must be > 0` (a `ShippingRatesError`),
never a traceback. The result is frozen and loaded once per process (`load_rates`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from babel.numbers import is_currency
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from bot import regions
from integrations.money import Money

BUNDLED = Path(__file__).with_name("data") / "shipping.toml"
SUPPORTED_VERSION = 1
CNY = "CNY"


class ShippingRatesError(Exception):
    """The rates file is missing or malformed; the message is one line for the operator."""


def _number(value: object) -> Decimal:
    # TOML gives int or (with parse_float) Decimal; a string or a bool here is an operator's typo.
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise PydanticCustomError("number", "must be a number, not {kind}", {"kind": _kind(value)})
    if isinstance(value, Decimal) and not value.is_finite():
        raise PydanticCustomError("number", "must be a finite number")
    return Decimal(value)


def _kind(value: object) -> str:
    names = {bool: "a boolean", str: "a string", list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _country(code: str) -> str:
    if not regions.is_country(code):
        raise PydanticCustomError(
            "country", "unknown country code {code} (see bot/regions.py)", {"code": repr(code)}
        )
    return code


def _currency(code: str) -> str:
    if not (len(code) == 3 and code.isupper() and is_currency(code)):
        raise PydanticCustomError("currency", "unknown currency code {code}", {"code": repr(code)})
    return code


def _day(value: object) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("date", 'must be a date like "2026-12-01"')


def _days(value: tuple[int, int]) -> tuple[int, int]:
    if value[0] > value[1]:
        raise PydanticCustomError("days", "must be [min, max] with min <= max")
    return value


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


Int = Annotated[int, Strict()]
Text = Annotated[str, Strict(), Field(min_length=1)]
Positive = Annotated[Decimal, BeforeValidator(_number), Field(gt=0)]
NonNegative = Annotated[Decimal, BeforeValidator(_number), Field(ge=0)]
Percent = Annotated[Decimal, BeforeValidator(_number), Field(ge=0, le=100)]
Country = Annotated[str, Strict(), AfterValidator(_country)]
Currency = Annotated[str, Strict(), AfterValidator(_currency)]
Days = Annotated[
    tuple[Annotated[int, Strict(), Field(ge=0)], Annotated[int, Strict()]], AfterValidator(_days)
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Defaults(_Frozen):
    item_weight_grams: Annotated[Int, Field(gt=0)]


class Domestic(_Frozen):
    per_seller: NonNegative  # CNY, once per seller in the cart

    def price(self) -> Money:
        return Money(self.per_seller, CNY)


class ServiceFee(_Frozen):
    percent: Percent
    minimum: NonNegative  # CNY


class LineCountry(_Frozen):
    """One line's tariff to one country: the first weight, then each started step."""

    first_grams: Annotated[Int, Field(gt=0)]
    first_price: Positive  # CNY
    step_grams: Annotated[Int, Field(gt=0)]
    step_price: NonNegative  # CNY
    days: Days


class Line(_Frozen):
    name: Text
    volumetric_divisor: Annotated[Int, Field(gt=0)] | None = None  # cm3 per kg; None: actual only
    max_grams: Annotated[Int, Field(gt=0)]
    refuses: frozenset[Annotated[str, Strict()]] = frozenset()
    countries: Annotated[Mapping[Country, LineCountry], AfterValidator(_frozen)]


class DeMinimis(_Frozen):
    amount: NonNegative
    currency: Currency
    exempts: Literal["none", "duty", "duty_and_vat"]
    basis: Literal["full", "excess"] = "full"
    flat_duty: NonNegative = Decimal(0)  # per item category at or below the threshold

    @property
    def threshold(self) -> Money:
        return Money(self.amount, self.currency)


class CountryRules(_Frozen):
    currency: Currency
    vat_percent: Percent
    duty_percent: Percent
    de_minimis: DeMinimis
    note: Annotated[str, Strict()] = ""


class ShippingRates(_Frozen):
    version: Int
    updated: Annotated[date, BeforeValidator(_day)]
    defaults: Defaults
    domestic: Domestic
    service_fee: ServiceFee
    restrictions: Annotated[
        Mapping[Text, tuple[Annotated[str, Strict(), Field(min_length=1)], ...]],
        AfterValidator(_frozen),
    ]
    lines: Annotated[Mapping[Text, Line], AfterValidator(_frozen)]
    countries: Annotated[Mapping[Country, CountryRules], AfterValidator(_frozen)]

    def lines_to(self, country: str) -> list[tuple[str, Line]]:
        """The lines serving `country`, in file order."""
        return [
            (line_id, line) for line_id, line in self.lines.items() if country in line.countries
        ]


def read_rates(path: Path | str) -> ShippingRates:
    """Parse and validate the file at `path` (uncached); raises ShippingRatesError."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh, parse_float=Decimal)
    except OSError as exc:
        raise ShippingRatesError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ShippingRatesError(f"{path}: invalid TOML: {exc}") from None
    return parse_rates(data, str(path))


def parse_rates(data: Mapping[str, Any], source: str) -> ShippingRates:
    """Validate already-parsed TOML `data`; `source` names it in the error."""
    version = data.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version != SUPPORTED_VERSION:
        raise ShippingRatesError(
            f"{source}: version: {version} is not supported (this shopbot reads "
            f"version {SUPPORTED_VERSION})"
        )
    try:
        rates = ShippingRates.model_validate(data)
    except ValidationError as exc:
        raise ShippingRatesError(f"{source}: {_first_error(exc)}") from None
    problem = _cross_check(rates)
    if problem:
        raise ShippingRatesError(f"{source}: {problem}")
    return rates


@lru_cache(maxsize=4)
def load_rates(path: Path | str | None = None) -> ShippingRates:
    """The rates in `path` (default: the bundled file), read and validated once per process."""
    return read_rates(BUNDLED if path is None else path)


def _first_error(exc: ValidationError) -> str:
    # A misspelt field shows up twice (unknown + required); the unknown one is the cause.
    errors = exc.errors(include_url=False)
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    error = (unknown or errors)[0]
    loc = tuple(part for part in error["loc"] if part != "[key]")
    message = _message(error["type"], error["msg"], error.get("ctx") or {})
    if unknown:
        missing = [
            str(e["loc"][-1])
            for e in errors
            if e["type"] == "missing" and e["loc"][:-1] == loc[:-1]
        ]
        close = get_close_matches(str(loc[-1]), missing, n=1)
        message += f" (did you mean {close[0]}?)" if close else ""
    return f"{'.'.join(str(part) for part in loc)}: {message}"


def _message(kind: str, msg: str, ctx: Mapping[str, Any]) -> str:
    fixed = {
        "missing": "required",
        "extra_forbidden": "unknown field",
        "int_type": "must be an integer",
        "string_type": "must be a string",
        "tuple_type": "must be an array",
        "frozen_set_type": "must be an array",
        "model_type": "must be a table",
        "dict_type": "must be a table",
        "mapping_type": "must be a table",
    }
    if kind in fixed:
        return fixed[kind]
    bounds = {
        "greater_than": (">", "gt"),
        "greater_than_equal": (">=", "ge"),
        "less_than_equal": ("<=", "le"),
    }
    if kind in bounds:
        symbol, key = bounds[kind]
        return f"must be {symbol} {ctx.get(key)}"
    if kind == "string_too_short":
        return "must not be empty"
    if msg.startswith("Input should be "):
        return "must be " + msg.removeprefix("Input should be ")
    return msg.removeprefix("Value error, ")


def _cross_check(rates: ShippingRates) -> str | None:
    """Links between sections: refused categories exist, served countries have tax rules."""
    for line_id, line in rates.lines.items():
        for category in sorted(line.refuses - rates.restrictions.keys()):
            return f"lines.{line_id}.refuses: {category!r} is not a category in [restrictions]"
        for code in line.countries:
            if code not in rates.countries:
                return f"lines.{line_id}.countries.{code}: no [countries.{code}] tax rules"
    return None
