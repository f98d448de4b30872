"""Stripe webhook events and Checkout Sessions as PaymentEvents.

The signature is checked on the raw body, as Stripe signed it (`Stripe-Signature: t=<unix>,
v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`), with Stripe's 300 s tolerance against replays;
anything else is Forged and changes nothing. A body is parsed only after that.

Which event means what (a dispatch table, not an if-chain):
- checkout.session.completed: "paid" when payment_status is "paid", else "pending" (an
  asynchronous method will settle later; "no_payment_required" never happens: totals are > 0);
- checkout.session.async_payment_succeeded / _failed: "paid" / "failed";
- checkout.session.expired: "expired";
- charge.refunded: "refunded", amount = all refunded so far on the charge (amount_refunded);
- refund.updated: "refunded" once the refund's status is "succeeded" (amount = that refund),
  else "ignored" (pending, failed or cancelled refunds move no money);
- any other type: "ignored" (answer 2xx, log it).
order_id comes from metadata.order_id, else client_reference_id (sessions only).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import stripe

from integrations.errors import BadRequest, Forged
from integrations.http import header
from integrations.money import Money
from integrations.payments.stripe.currencies import from_minor
from integrations.types import PaymentEvent, PaymentKind

NAME = "stripe"
TOLERANCE = 300  # seconds; stripe.Webhook.DEFAULT_TOLERANCE
SIGNATURE_HEADER = "Stripe-Signature"

Object = Mapping[str, Any]


def verify(raw_body: bytes, headers: Mapping[str, str], secret: str) -> dict[str, Any]:
    """The event in `raw_body` once its signature checks out; Forged otherwise, BadRequest when
    a correctly signed body is not a Stripe event."""
    signature = header(headers, SIGNATURE_HEADER)
    try:
        stripe.WebhookSignature.verify_header(raw_body, signature, secret, TOLERANCE)
    except stripe.SignatureVerificationError as err:
        raise Forged(_why(err, signature), provider=NAME, code="bad_signature") from None
    except UnicodeDecodeError:
        raise Forged("body is not UTF-8", provider=NAME, code="bad_signature") from None
    try:
        event = json.loads(raw_body)
    except ValueError:
        raise BadRequest("signed body is not JSON", provider=NAME, code="not_json") from None
    if not (
        isinstance(event, dict)
        and event.get("object") == "event"
        and isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and isinstance((event.get("data") or {}).get("object"), dict)
    ):
        raise BadRequest("signed body is not a Stripe event", provider=NAME, code="not_event")
    return event


def _why(err: stripe.SignatureVerificationError, signature: str | None) -> str:
    if not signature:
        return "no Stripe-Signature header"
    if "tolerance" in str(err):
        return "signature is older than the 300 s tolerance"
    return "signature does not match the body"


def to_payment_event(event: Object) -> PaymentEvent:
    """The PaymentEvent for a verified Stripe event."""
    obj: Object = event["data"]["object"]
    kind, amount = MAPPING.get(str(event["type"]), _ignored)(obj)
    is_session = obj.get("object") == "checkout.session"
    is_intent = obj.get("object") == "payment_intent"
    return PaymentEvent(
        provider=NAME,
        event_id=str(event["id"]),
        kind=kind,
        order_id=order_id(obj),
        session_id=str(obj["id"]) if is_session and obj.get("id") else None,
        payment_ref=_ref(obj if is_intent else obj.get("payment_intent")),
        amount=amount,
        occurred_at=_time(event.get("created")),
        raw=event,
    )


def session_event(session: Object, payment_intent_status: str | None = None) -> PaymentEvent | None:
    """What a Checkout Session says now, as a PaymentEvent (None while it is open). After an
    asynchronous payment failed the session stays "complete"/"unpaid": only its PaymentIntent
    (status back to "requires_payment_method", or "canceled") tells that from "pending"."""
    status, paid = session.get("status"), session.get("payment_status")
    if status == "expired":
        kind = PaymentKind.EXPIRED
    elif status == "complete" and paid in ("paid", "no_payment_required"):
        kind = PaymentKind.PAID
    elif status == "complete":
        failed = payment_intent_status in ("requires_payment_method", "canceled")
        kind = PaymentKind.FAILED if failed else PaymentKind.PENDING
    else:
        return None
    session_id = str(session.get("id"))
    return PaymentEvent(
        provider=NAME,
        event_id=f"state:{session_id}:{kind}",
        kind=kind,
        order_id=order_id(session),
        session_id=session_id,
        payment_ref=_ref(session.get("payment_intent")),
        amount=_money(session.get("amount_total"), session.get("currency")),
        occurred_at=datetime.now(UTC),
        raw=session,
    )


def order_id(obj: Object) -> int | None:
    metadata = obj.get("metadata") or {}
    for value in (metadata.get("order_id"), obj.get("client_reference_id")):
        if isinstance(value, str) and value.isdigit():
            return int(value)
    return None


def _ref(payment_intent: Any) -> str | None:
    """The PaymentIntent id, whether Stripe sent the id or the expanded object."""
    if isinstance(payment_intent, Mapping):
        payment_intent = payment_intent.get("id")
    return str(payment_intent) if payment_intent else None


def _money(minor: Any, currency: Any) -> Money | None:
    if isinstance(minor, int) and isinstance(currency, str) and currency:
        return from_minor(minor, currency)
    return None


def _time(created: Any) -> datetime:
    if isinstance(created, int):
        return datetime.fromtimestamp(created, UTC)
    return datetime.now(UTC)


Mapped = tuple[str, Money | None]


def _completed(session: Object) -> Mapped:
    paid = session.get("payment_status") == "paid"
    return (PaymentKind.PAID if paid else PaymentKind.PENDING), _session_amount(session)


def _session_kind(kind: PaymentKind) -> Callable[[Object], Mapped]:
    return lambda session: (kind, _session_amount(session))


def _session_amount(session: Object) -> Money | None:
    return _money(session.get("amount_total"), session.get("currency"))


def _charge_refunded(charge: Object) -> Mapped:
    return PaymentKind.REFUNDED, _money(charge.get("amount_refunded"), charge.get("currency"))


def _refund_updated(refund: Object) -> Mapped:
    if refund.get("status") != "succeeded":
        return PaymentKind.IGNORED, None
    return PaymentKind.REFUNDED, _money(refund.get("amount"), refund.get("currency"))


def _ignored(obj: Object) -> Mapped:
    return PaymentKind.IGNORED, None


MAPPING: dict[str, Callable[[Object], Mapped]] = {
    "checkout.session.completed": _completed,
    "checkout.session.async_payment_succeeded": _session_kind(PaymentKind.PAID),
    "checkout.session.async_payment_failed": _session_kind(PaymentKind.FAILED),
    "checkout.session.expired": _session_kind(PaymentKind.EXPIRED),
    "charge.refunded": _charge_refunded,
    "refund.updated": _refund_updated,
}
