"""Stripe Checkout through the official SDK (stripe-python 16, its async methods).

One StripeClient per provider, on the SDK's aiohttp transport; `STRIPE_API_BASE` points it at
another server (the local fake in the tests and the playground). The SDK retries connection
errors, 409 and 5xx itself, each retry with the same Idempotency-Key, so a retried create or
refund never happens twice. Its errors become integrations.errors at this boundary (errors.py).

Nothing here logs: keys, and the shopper's address, phone and e-mail that Stripe collects and
returns in sessions, stay out of every log line. The SDK itself logs whole request and response
bodies at DEBUG on the "stripe" logger; a filter on that logger drops those records, whatever
level the application logs at.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar, cast

import aiohttp
import stripe

from integrations.base import Manifest
from integrations.errors import BadRequest, NotConfigured
from integrations.money import Money
from integrations.payments.stripe.currencies import NotChargeable, from_minor, to_minor
from integrations.payments.stripe.errors import convert
from integrations.payments.stripe.events import session_event, to_payment_event, verify
from integrations.payments.stripe.params import session_params
from integrations.types import Checkout, CheckoutRequest, PaymentEvent, Refund

NAME = "stripe"
MANIFEST = Manifest(
    name=NAME,
    title="Stripe Checkout",
    credentials=("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"),
    optional=("STRIPE_API_BASE",),
    api_base=stripe.DEFAULT_API_BASE,
)

Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")


class _NoBodies(logging.Filter):
    """Lets the SDK's INFO lines (method, path, status, Stripe's error message) through, not
    its DEBUG ones (request parameters and response bodies: addresses, phones, e-mails)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


_SDK_LOG = logging.getLogger("stripe")
if not any(isinstance(f, _NoBodies) for f in _SDK_LOG.filters):
    _SDK_LOG.addFilter(_NoBodies())


class _Transport(stripe.AIOHTTPClient):
    """The SDK's aiohttp client with the wait between retries injectable (tests don't sleep)."""

    def __init__(self, timeout: float, sleep: Sleep) -> None:
        super().__init__(timeout=aiohttp.ClientTimeout(total=timeout))
        self._sleep = sleep

    def sleep_async(self, secs: float) -> Awaitable[None]:
        return self._sleep(secs)


class StripePayments:
    """PaymentProvider for Stripe Checkout Sessions. NotConfigured at once without
    STRIPE_SECRET_KEY or STRIPE_WEBHOOK_SECRET, so a deployment finds out when it starts."""

    name: ClassVar[str] = NAME
    manifest: ClassVar[Manifest] = MANIFEST

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        retries: int = 2,
        timeout: float = 20.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        missing = MANIFEST.missing(env)
        if missing:
            raise NotConfigured(NAME, missing)
        self._webhook_secret = env["STRIPE_WEBHOOK_SECRET"]
        self.api_base = (env.get("STRIPE_API_BASE") or MANIFEST.api_base).rstrip("/")
        self._transport = _Transport(timeout, sleep)
        self._client = stripe.StripeClient(
            env["STRIPE_SECRET_KEY"],
            base_addresses={"api": self.api_base},
            http_client=self._transport,
            max_network_retries=retries,
        )

    def __repr__(self) -> str:  # never the key
        return f"StripePayments(api_base={self.api_base!r})"

    async def close(self) -> None:
        await self._transport.close_async()

    async def create_checkout(self, req: CheckoutRequest) -> Checkout:
        params = session_params(req)
        session = await self._call(
            self._client.v1.checkout.sessions.create_async(
                cast(Any, params), {"idempotency_key": req.idempotency_key}
            )
        )
        raw = session.to_dict()
        return Checkout(
            provider=NAME,
            session_id=str(raw["id"]),
            url=str(raw["url"]),
            expires_at=datetime.fromtimestamp(int(raw["expires_at"]), UTC),
            raw=raw,
        )

    async def expire(self, session_id: str) -> None:
        await self._call(self._client.v1.checkout.sessions.expire_async(session_id))

    async def refund(self, payment_ref: str, amount: Money | None, idempotency_key: str) -> Refund:
        params: dict[str, Any] = {"payment_intent": payment_ref}
        if amount is not None:
            try:
                params["amount"] = to_minor(amount)
            except NotChargeable as err:
                raise BadRequest(str(err), provider=NAME, code="amount_invalid") from None
        refund = await self._call(
            self._client.v1.refunds.create_async(
                cast(Any, params), {"idempotency_key": idempotency_key}
            )
        )
        raw = refund.to_dict()
        return Refund(
            provider=NAME,
            refund_id=str(raw["id"]),
            status=str(raw.get("status")),
            amount=from_minor(int(raw["amount"]), str(raw["currency"])),
            raw=raw,
        )

    async def session_state(self, session_id: str) -> PaymentEvent | None:
        session = await self._call(
            self._client.v1.checkout.sessions.retrieve_async(
                session_id, {"expand": ["payment_intent"]}
            )
        )
        raw = session.to_dict()
        intent = raw.get("payment_intent")
        status = intent.get("status") if isinstance(intent, dict) else None
        return session_event(raw, status)

    def parse_event(self, raw_body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        return to_payment_event(verify(raw_body, headers, self._webhook_secret))

    async def _call(self, request: Awaitable[T]) -> T:
        try:
            return await request
        except stripe.StripeError as err:
            raise convert(err) from err
