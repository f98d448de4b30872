"""The fake's account: Checkout Sessions, PaymentIntents, charges and refunds as Stripe's JSON
objects, and the moves between their states. No I/O: each move returns the events it causes;
the server delivers them.

A session is created "open"/"unpaid" with no PaymentIntent (as in current API versions).
Paying by card completes it "complete"/"paid"; an asynchronous method completes it
"complete"/"unpaid" (PaymentIntent "processing") and settles later: "paid", or the
PaymentIntent goes back to "requires_payment_method". A declined card leaves it open. An open
session expires at `expires_at` or when asked. Refunds take from the charge what is left.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from bot.playground.stripe.events import make_event
from bot.playground.stripe.rules import SessionSpec, check_amount, check_metadata
from bot.playground.stripe.wire import JsonDict, StripeApiError, bad, new_id, text

REFUND_PARAMS = frozenset("payment_intent charge amount reason metadata expand".split())
REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})
# What the payment page "collects": a test shopper in the session's first allowed country.
SHOPPER = {"name": "Test Shopper", "email": "shopper@example.com", "phone": "+15555550100"}


def _address(country: str) -> JsonDict:
    return {
        "city": "Testville",
        "country": country,
        "line1": "1 Test Street",
        "line2": None,
        "postal_code": "10001",
        "state": None,
    }


class Ledger:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.sessions: dict[str, JsonDict] = {}
        self.line_items: dict[str, list[JsonDict]] = {}
        self.payment_intents: dict[str, JsonDict] = {}
        self.charges: dict[str, JsonDict] = {}
        self.refunds: dict[str, JsonDict] = {}
        self.events: list[JsonDict] = []
        self._intent_metadata: dict[str, JsonDict] = {}

    def now(self) -> int:
        return int(self.clock())

    def _event(self, kind: str, obj: JsonDict) -> JsonDict:
        event = make_event(kind, obj, self.now())
        self.events.append(event)
        return event

    def event_for(self, object_id: str, kind: str) -> JsonDict:
        """A new event of type `kind` carrying the object `object_id` as it is now."""
        for table in (self.sessions, self.payment_intents, self.charges, self.refunds):
            if object_id in table:
                return self._event(kind, table[object_id])
        raise KeyError(object_id)

    # --- sessions --------------------------------------------------------------------------

    def open_session(self, spec: SessionSpec, public_base: str) -> JsonDict:
        sid = new_id("cs_test")
        p = spec.params
        session: JsonDict = {
            "id": sid,
            "object": "checkout.session",
            "amount_subtotal": spec.total,
            "amount_total": spec.total,
            "cancel_url": p.get("cancel_url"),
            "client_reference_id": p.get("client_reference_id"),
            "collected_information": None,
            "created": self.now(),
            "currency": spec.currency,
            "customer_details": None,
            "customer_email": p.get("customer_email"),
            "expires_at": spec.expires_at,
            "livemode": False,
            "locale": p.get("locale"),
            "metadata": dict(p.get("metadata") or {}),
            "mode": "payment",
            "payment_intent": None,
            "payment_method_options": copy.deepcopy(p.get("payment_method_options") or {}),
            "payment_method_types": list(spec.payment_method_types),
            "payment_status": "unpaid",
            "phone_number_collection": {
                "enabled": (p.get("phone_number_collection") or {}).get("enabled") == "true"
            },
            "shipping_address_collection": (
                {"allowed_countries": list(spec.allowed_countries)}
                if spec.allowed_countries
                else None
            ),
            "status": "open",
            "success_url": p.get("success_url"),
            "url": f"{public_base}/pay/{sid}",
        }
        self.sessions[sid] = session
        self.line_items[sid] = [
            {"name": line.name, "unit_amount": line.unit_amount, "quantity": line.quantity}
            for line in spec.lines
        ]
        self._intent_metadata[sid] = dict(
            (p.get("payment_intent_data") or {}).get("metadata") or {}
        )
        return session

    def session(self, sid: str) -> JsonDict:
        session = self.sessions.get(sid)
        if session is None:
            raise StripeApiError(
                404,
                f"No such checkout.session: '{sid}'",
                code="resource_missing",
                param="session",
            )
        return session

    def expire_due(self) -> list[JsonDict]:
        """Expire every open session past its expires_at; their events."""
        now = self.now()
        return [
            self.expire_session(s["id"])
            for s in list(self.sessions.values())
            if s["status"] == "open" and now >= s["expires_at"]
        ]

    def expire_session(self, sid: str) -> JsonDict:
        session = self._open(sid, "expired")
        session["status"] = "expired"
        return self._event("checkout.session.expired", session)

    def complete_session(self, sid: str, *, paid: bool) -> JsonDict:
        """The shopper paid: by card (`paid`) or by an asynchronous method that settles later."""
        session = self._open(sid, "completed")
        intent = self._intent(session)
        intent["status"] = "succeeded" if paid else "processing"
        self._charge(intent, "succeeded" if paid else "pending")
        if paid:
            intent["amount_received"] = intent["amount"]
        country = (
            (session.get("shipping_address_collection") or {}).get("allowed_countries") or ["US"]
        )[0]
        session.update(
            status="complete",
            payment_status="paid" if paid else "unpaid",
            customer_details={**SHOPPER, "address": _address(country), "tax_exempt": "none"},
            collected_information={
                "shipping_details": {"name": SHOPPER["name"], "address": _address(country)}
            },
        )
        return self._event("checkout.session.completed", session)

    def settle_session(self, sid: str, *, succeeded: bool) -> JsonDict:
        """An asynchronous payment settled (or bounced)."""
        session = self.session(sid)
        intent = self.payment_intents.get(str(session.get("payment_intent")))
        if session["status"] != "complete" or intent is None or intent["status"] != "processing":
            raise bad(f"Checkout Session {sid} has no payment waiting to settle")
        charge = self.charges[intent["latest_charge"]]
        if succeeded:
            intent.update(status="succeeded", amount_received=intent["amount"])
            charge.update(status="succeeded", paid=True, amount_captured=charge["amount"])
            session["payment_status"] = "paid"
            return self._event("checkout.session.async_payment_succeeded", session)
        intent["status"] = "requires_payment_method"
        charge.update(status="failed", paid=False)
        return self._event("checkout.session.async_payment_failed", session)

    def decline_session(self, sid: str) -> JsonDict:
        """A card was declined: the session stays open; Stripe tells the PaymentIntent's side."""
        session = self._open(sid, "declined")
        intent = self._intent(session)
        intent.update(
            status="requires_payment_method",
            last_payment_error={"code": "card_declined", "decline_code": "generic_decline"},
        )
        return self._event("payment_intent.payment_failed", intent)

    def _open(self, sid: str, what: str) -> JsonDict:
        session = self.session(sid)
        if session["status"] != "open":
            raise bad(
                f"This Checkout Session is {session['status']}: only an open one can be {what}."
            )
        return session

    def _intent(self, session: JsonDict) -> JsonDict:
        existing = self.payment_intents.get(str(session.get("payment_intent")))
        if existing is not None:
            return existing
        intent: JsonDict = {
            "id": new_id("pi"),
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_received": 0,
            "created": self.now(),
            "currency": session["currency"],
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": dict(self._intent_metadata.get(session["id"], {})),
            "payment_method_types": list(session["payment_method_types"]),
            "status": "requires_payment_method",
        }
        self.payment_intents[intent["id"]] = intent
        session["payment_intent"] = intent["id"]
        return intent

    def _charge(self, intent: JsonDict, status: str) -> JsonDict:
        charge: JsonDict = {
            "id": new_id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"] if status == "succeeded" else 0,
            "amount_refunded": 0,
            "created": self.now(),
            "currency": intent["currency"],
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "paid": status == "succeeded",
            "payment_intent": intent["id"],
            "refunded": False,
            "status": status,
        }
        self.charges[charge["id"]] = charge
        intent["latest_charge"] = charge["id"]
        return charge

    # --- refunds ---------------------------------------------------------------------------

    def refund_payment(self, params: JsonDict) -> tuple[JsonDict, list[JsonDict]]:
        """A refund as `POST /v1/refunds` makes it, and its events."""
        for name in params:
            if name not in REFUND_PARAMS:
                raise bad(
                    f"Received unknown parameter: {name}", param=name, code="parameter_unknown"
                )
        charge = self._refundable_charge(params)
        left = charge["amount"] - charge["amount_refunded"]
        if left <= 0:
            raise bad(
                f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
            )
        amount = left
        if "amount" in params:
            amount = check_amount(params["amount"], charge["currency"], "amount")
            if amount < 1:
                raise bad("This value must be greater than or equal to 1.", param="amount")
            if amount > left:
                raise bad(
                    f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                    f"({left})",
                    param="amount",
                    code="amount_too_large",
                )
        reason = params.get("reason")
        if reason is not None and reason not in REFUND_REASONS:
            raise bad(f"Invalid reason: {reason}", param="reason")
        check_metadata(params.get("metadata"), "metadata")
        refund: JsonDict = {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "created": self.now(),
            "currency": charge["currency"],
            "metadata": dict(params.get("metadata") or {}),
            "payment_intent": charge["payment_intent"],
            "reason": reason,
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        return refund, [
            self._event("charge.refunded", charge),
            self._event("refund.created", refund),
        ]

    def set_refund_status(self, refund_id: str, status: str) -> JsonDict:
        """A refund moved on (pending -> succeeded | failed | canceled): refund.updated."""
        refund = self.refunds[refund_id]
        refund["status"] = status
        return self._event("refund.updated", refund)

    def _refundable_charge(self, params: JsonDict) -> JsonDict:
        if "payment_intent" in params:
            pid = text(params["payment_intent"], "payment_intent")
            intent = self.payment_intents.get(pid)
            if intent is None:
                raise bad(
                    f"No such payment_intent: '{pid}'",
                    param="payment_intent",
                    code="resource_missing",
                )
            charge = self.charges.get(str(intent.get("latest_charge")))
        elif "charge" in params:
            cid = text(params["charge"], "charge")
            charge = self.charges.get(cid)
            if charge is None:
                raise bad(f"No such charge: '{cid}'", param="charge", code="resource_missing")
        else:
            raise bad(
                "One of the following params should be provided for this request: "
                "payment_intent or charge."
            )
        if charge is None or charge["status"] != "succeeded":
            raise bad(
                "This payment has no successful charge to refund.", code="charge_not_refundable"
            )
        return charge
