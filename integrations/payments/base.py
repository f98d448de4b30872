"""The one interface every payment provider implements (Stripe Checkout, Telegram invoices).

Services call only this: create a payment page for an order, expire it, refund, re-read a
session, and turn a webhook body into a PaymentEvent. Delivery is at least once and in any
order, so the caller dedupes on `PaymentEvent.event_id` and, where order matters, asks
`session_state` what is true now instead of trusting the event it holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from integrations.money import Money
from integrations.types import Checkout, CheckoutRequest, PaymentEvent, Refund


@runtime_checkable
class PaymentProvider(Protocol):
    @property
    def name(self) -> str:
        """The provider's name ("stripe"), as orders and payment events record it."""
        ...

    async def create_checkout(self, req: CheckoutRequest) -> Checkout:
        """A payment page for `req`; the same `req.idempotency_key` gives the same page."""
        ...

    async def expire(self, session_id: str) -> None:
        """Close the page so it can no longer be paid."""
        ...

    async def refund(self, payment_ref: str, amount: Money | None, idempotency_key: str) -> Refund:
        """Give back `amount` (None: all that is left) of the payment `payment_ref`."""
        ...

    async def session_state(self, session_id: str) -> PaymentEvent | None:
        """What the session says now (None while it is still open and unpaid)."""
        ...

    def parse_event(self, raw_body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """The event in a webhook body; `Forged` when its signature is missing, wrong or stale."""
        ...
