"""A CheckoutRequest as the parameters of Stripe's `POST /v1/checkout/sessions`.

Checked here, before anything is sent, so a bad order gets a clear BadRequest rather than
Stripe's: at least one line, every line in the request's currency, a quantity of at least 1, a
unit price of at least 0 that Stripe can charge exactly (see currencies.py), a two-letter
destination country and a currency Stripe charges.

Stripe accepts `expires_at` only 30 minutes to 24 hours after the session is created; the
requested moment is moved into that window with a minute's margin each side for clocks and
transit, and the Checkout that comes back says what Stripe set.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.errors import BadRequest
from integrations.money import Money
from integrations.payments.stripe.currencies import (
    NotChargeable,
    is_chargeable,
    to_minor,
    wallets,
)
from integrations.payments.stripe.locales import checkout_locale
from integrations.types import CheckoutRequest

NAME = "stripe"
EARLIEST = timedelta(minutes=31)  # Stripe: at least 30 minutes ahead
LATEST = timedelta(hours=23, minutes=59)  # Stripe: at most 24 hours ahead


def expiry(requested: datetime, now: datetime) -> int:
    """`requested` as a Unix time inside the window Stripe accepts."""
    moment = min(max(requested, now + EARLIEST), now + LATEST)
    return int(moment.timestamp())


def session_params(req: CheckoutRequest, now: datetime | None = None) -> dict[str, Any]:
    _check(req)
    currency = req.currency.lower()
    order = str(req.order_id)
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": _minor(line.unit, index),
                    "product_data": {"name": line.name},
                },
                "quantity": line.quantity,
            }
            for index, line in enumerate(req.lines)
        ],
        "payment_method_types": ["card", *wallets(req.currency)],
        "client_reference_id": order,
        "metadata": {"order_id": order},
        # Copied onto the PaymentIntent and its charge, so refund events name the order too.
        "payment_intent_data": {"metadata": {"order_id": order}},
        "expires_at": expiry(req.expires_at, now or datetime.now(UTC)),
        "shipping_address_collection": {"allowed_countries": [req.country.upper()]},
        "phone_number_collection": {"enabled": True},
        "success_url": req.success_url,
        "cancel_url": req.cancel_url,
    }
    if "wechat_pay" in params["payment_method_types"]:
        params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
    locale = checkout_locale(req.locale)
    if locale:
        params["locale"] = locale
    return params


def _check(req: CheckoutRequest) -> None:
    problems = []
    if not is_chargeable(req.currency):
        problems.append(f"Stripe does not charge in {req.currency} (see charge_currency)")
    if not req.lines:
        problems.append("no lines to pay for")
    for index, line in enumerate(req.lines):
        if line.unit.currency != req.currency:
            problems.append(f"line {index} is in {line.unit.currency}, not {req.currency}")
        if line.quantity < 1:
            problems.append(f"line {index} has quantity {line.quantity} (at least 1)")
        if line.unit.amount < 0:
            problems.append(f"line {index} has a negative price {line.unit}")
        if not line.name.strip():
            problems.append(f"line {index} has no name")
    if not (len(req.country) == 2 and req.country.isalpha()):
        problems.append(f"destination {req.country!r} is not an ISO 3166 alpha-2 code")
    if not req.idempotency_key or len(req.idempotency_key) > 255:
        problems.append("idempotency key must be 1 to 255 characters")
    if problems:
        raise BadRequest("; ".join(problems), provider=NAME, code="invalid_checkout")


def _minor(unit: Money, index: int) -> int:
    try:
        return to_minor(unit)
    except NotChargeable as err:
        raise BadRequest(f"line {index}: {err}", provider=NAME, code="amount_invalid") from None
