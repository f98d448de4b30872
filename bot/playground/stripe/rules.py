"""What real Stripe refuses in the requests this fake serves, checked the way Stripe checks.

The currency tables are Stripe's published ones, shared with the client
(integrations/payments/stripe/currencies.py); the rules over them are written here again on
purpose, so a mistake in the client's arithmetic shows up as a refusal in the tests.
Message texts follow Stripe's where known; the rest are this fake's wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.playground.stripe.wire import (
    JsonDict,
    array,
    bad,
    boolean,
    hash_,
    integer,
    missing,
    text,
)
from integrations.payments.stripe.currencies import (
    ALIPAY_CURRENCIES,
    CHARGE_CURRENCIES,
    MINIMUM_CHARGE,
    THREE_DECIMAL,
    WECHAT_PAY_CURRENCIES,
    ZERO_DECIMAL,
)
from integrations.payments.stripe.locales import CHECKOUT_LOCALES

SESSION_PARAMS = frozenset(
    "mode line_items payment_method_types payment_method_options client_reference_id metadata "
    "payment_intent_data expires_at shipping_address_collection phone_number_collection "
    "success_url cancel_url locale customer_email expand".split()
)
PAYMENT_METHODS = frozenset("card alipay wechat_pay link paypal klarna sepa_debit".split())
WALLET_CURRENCIES = {"alipay": ALIPAY_CURRENCIES, "wechat_pay": WECHAT_PAY_CURRENCIES}
# Stripe cannot ship to these (its allowed_countries enum leaves them out).
NO_SHIPPING = frozenset("AS CX CC CU HM IR KP MH FM NF MP PW SD SY UM VI".split())
MIN_EXPIRY, MAX_EXPIRY = 30 * 60, 24 * 60 * 60
MAX_LINE_ITEMS = 100
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    unit_amount: int
    quantity: int


@dataclass(frozen=True, slots=True)
class SessionSpec:
    """A create request that passed every check."""

    currency: str
    lines: tuple[Line, ...]
    payment_method_types: tuple[str, ...]
    expires_at: int
    allowed_countries: tuple[str, ...]
    params: JsonDict

    @property
    def total(self) -> int:
        return sum(line.unit_amount * line.quantity for line in self.lines)


def check_session(params: JsonDict, now: int) -> SessionSpec:
    for name in params:
        if name not in SESSION_PARAMS:
            raise bad(f"Received unknown parameter: {name}", param=name, code="parameter_unknown")
    mode = params.get("mode")
    if mode is None:
        raise missing("mode")
    if mode != "payment":
        raise bad(f"This fake only knows mode=payment, not {mode!r}", param="mode")
    for name in ("success_url", "cancel_url"):
        if name in params and not _URL.match(text(params[name], name)):
            raise bad("Not a valid URL", param=name, code="url_invalid")
    if "success_url" not in params:
        raise missing("success_url")
    lines, currency = _lines(params.get("line_items"))
    methods = _payment_methods(params, currency)
    spec = SessionSpec(
        currency=currency,
        lines=lines,
        payment_method_types=methods,
        expires_at=_expires_at(params, now),
        allowed_countries=_countries(params),
        params=params,
    )
    _check_total(spec)
    if "phone_number_collection" in params:
        collection = hash_(params["phone_number_collection"], "phone_number_collection")
        boolean(collection.get("enabled"), "phone_number_collection[enabled]")
    if "locale" in params and params["locale"] not in CHECKOUT_LOCALES | {"auto"}:
        raise bad(f"Invalid locale: {params['locale']}", param="locale")
    if len(text(params.get("client_reference_id", ""), "client_reference_id")) > 200:
        raise bad("client_reference_id must be at most 200 characters", param="client_reference_id")
    check_metadata(params.get("metadata"), "metadata")
    intent = hash_(params.get("payment_intent_data", {}), "payment_intent_data")
    check_metadata(intent.get("metadata"), "payment_intent_data[metadata]")
    return spec


def _lines(value: Any) -> tuple[tuple[Line, ...], str]:
    if value is None:
        raise bad("`line_items` is required in `payment` mode.", param="line_items")
    items = array(value, "line_items")
    if not items or len(items) > MAX_LINE_ITEMS:
        raise bad(f"line_items must hold 1 to {MAX_LINE_ITEMS} items", param="line_items")
    lines, currencies = [], set()
    for index, raw in enumerate(items):
        at = f"line_items[{index}]"
        item = hash_(raw, at)
        if "price_data" not in item:
            raise missing(f"{at}[price_data]")
        price = hash_(item["price_data"], f"{at}[price_data]")
        currency = check_currency(price.get("currency"), f"{at}[price_data][currency]")
        currencies.add(currency)
        if "unit_amount" not in price:
            raise missing(f"{at}[price_data][unit_amount]")
        amount = check_amount(price["unit_amount"], currency, f"{at}[price_data][unit_amount]")
        product = hash_(price.get("product_data", {}), f"{at}[price_data][product_data]")
        name = product.get("name")
        if not isinstance(name, str) or not name.strip():
            raise missing(f"{at}[price_data][product_data][name]")
        if "quantity" not in item:
            raise missing(f"{at}[quantity]")
        quantity = integer(item["quantity"], f"{at}[quantity]")
        if quantity < 1:
            raise bad(
                "This value must be greater than or equal to 1.",
                param=f"{at}[quantity]",
                code="parameter_invalid_integer",
            )
        lines.append(Line(name, amount, quantity))
    if len(currencies) > 1:
        raise bad("All line items must use the same currency.", param="line_items")
    return tuple(lines), currencies.pop()


def check_currency(value: Any, param: str) -> str:
    if not isinstance(value, str) or not value:
        raise missing(param)
    if value != value.lower() or value.upper() not in CHARGE_CURRENCIES:
        raise bad(
            f"Invalid currency: {value}. Stripe currently supports these currencies: "
            + ", ".join(sorted(code.lower() for code in CHARGE_CURRENCIES)),
            param=param,
        )
    return value


def check_amount(value: Any, currency: str, param: str) -> int:
    """An amount in Stripe's minor units: a non-negative integer Stripe can charge exactly."""
    amount = integer(value, param)
    if amount < 0:
        raise bad(
            "This value must be greater than or equal to 0.",
            param=param,
            code="parameter_invalid_integer",
        )
    code = currency.upper()
    if code in THREE_DECIMAL and amount % 10:
        raise bad(
            f"Invalid amount: {code} amounts must end in 0 (the last of its three decimals)",
            param=param,
            code="invalid_charge_amount",
        )
    if code == "ISK" and amount % 100:
        raise bad(
            "Invalid amount. Currency ISK has become effectively zero-decimal and charged "
            "amounts must be evenly divisible by 100.",
            param=param,
            code="invalid_charge_amount_no_decimal_compatible",
        )
    return amount


def _check_total(spec: SessionSpec) -> None:
    code = spec.currency.upper()
    largest = 10**12 - 1 if code == "IDR" else 99_999_999  # Stripe: eight digits, IDR twelve
    if spec.total > largest:
        raise bad(
            f"The total of a Checkout Session must be at most {largest} (in {code} minor units)",
            param="line_items",
            code="amount_too_large",
        )
    minimum = MINIMUM_CHARGE.get(code)
    if minimum is not None:
        digits = 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2
        least = int(minimum.scaleb(digits))
        if spec.total < least:
            raise bad(
                f"The Checkout Session's total amount due must add up to at least "
                f"{minimum} {spec.currency}",
                param="line_items",
                code="amount_too_small",
            )


def _payment_methods(params: JsonDict, currency: str) -> tuple[str, ...]:
    methods = tuple(array(params.get("payment_method_types", ["card"]), "payment_method_types"))
    for index, method in enumerate(methods):
        param = f"payment_method_types[{index}]"
        if method not in PAYMENT_METHODS:
            raise bad(f"Invalid {param}: must be one of {sorted(PAYMENT_METHODS)}", param=param)
        accepted = WALLET_CURRENCIES.get(method)
        if accepted is not None and currency.upper() not in accepted:
            raise bad(
                f"The currency provided ({currency}) is invalid for payment method type "
                f"{method}. Supported currencies: "
                + ", ".join(sorted(c.lower() for c in accepted)),
                param="payment_method_types",
            )
    options = hash_(params.get("payment_method_options", {}), "payment_method_options")
    if "wechat_pay" in methods:
        wechat = hash_(options.get("wechat_pay", {}), "payment_method_options[wechat_pay]")
        if wechat.get("client") not in ("web", "ios", "android"):
            raise bad(
                "payment_method_options[wechat_pay][client] is required when wechat_pay is "
                "one of the payment_method_types",
                param="payment_method_options[wechat_pay][client]",
            )
    return methods


def _expires_at(params: JsonDict, now: int) -> int:
    if "expires_at" not in params:
        return now + MAX_EXPIRY
    moment = integer(params["expires_at"], "expires_at")
    if not MIN_EXPIRY <= moment - now <= MAX_EXPIRY:
        raise bad(
            "The `expires_at` timestamp must be at least 30 minutes and at most 24 hours "
            "after the Checkout Session is created.",
            param="expires_at",
        )
    return moment


def _countries(params: JsonDict) -> tuple[str, ...]:
    if "shipping_address_collection" not in params:
        return ()
    collection = hash_(params["shipping_address_collection"], "shipping_address_collection")
    at = "shipping_address_collection[allowed_countries]"
    if "allowed_countries" not in collection:
        raise missing(at)
    countries = tuple(array(collection["allowed_countries"], at))
    if not countries:
        raise missing(at)
    for index, country in enumerate(countries):
        if not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)) or (
            country in NO_SHIPPING
        ):
            raise bad(f"Invalid {at}[{index}]: {country!r}", param=f"{at}[{index}]")
    return countries


def check_metadata(value: Any, param: str) -> None:
    if value is None or value == "":
        return
    metadata = hash_(value, param)
    if len(metadata) > 50:
        raise bad("Metadata can have at most 50 keys", param=param)
    for key, item in metadata.items():
        if len(key) > 40 or not isinstance(item, str) or len(item) > 500:
            raise bad(
                "Metadata keys are at most 40 characters and values strings of at most 500",
                param=f"{param}[{key}]",
            )
