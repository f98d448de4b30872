"""Stripe events: their JSON shape, their signature and their delivery to a webhook URL.

An event is ``{"id": "evt_...", "object": "event", "type", "created", "data": {"object"},
"api_version", "livemode", "pending_webhooks", "request"}`` with a copy of the object as it was
at that moment. Stripe signs each delivery attempt: ``Stripe-Signature: t=<unix>,v1=<hex>``
where v1 is HMAC-SHA256 of ``"<t>.<raw body>"`` keyed with the endpoint's secret. Any answer
but 2xx (or no answer) is retried; Stripe keeps trying for days, this fake ``retries`` times.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from bot.playground.stripe.wire import JsonDict, new_id

API_VERSION = "2026-10-28.endive"  # the version stripe-python 16 pins


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header for `payload` sent at `timestamp`."""
    signed = str(timestamp).encode() + b"." + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def make_event(kind: str, obj: JsonDict, created: int) -> JsonDict:
    return {
        "id": new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": {"object": copy.deepcopy(obj)},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
    }


def encode(event: JsonDict) -> bytes:
    return json.dumps(event, indent=2).encode()  # Stripe sends pretty-printed JSON


@dataclass
class Delivery:
    """One delivery of one event: the status of every attempt (0: no answer)."""

    event_id: str
    type: str
    attempts: list[int] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        return bool(self.attempts) and 200 <= self.attempts[-1] < 300


@dataclass
class Deliverer:
    secret: str
    url: str
    clock: Callable[[], float]
    retries: int = 3
    retry_delay: float = 0.5
    timeout: float = 10.0
    log: list[Delivery] = field(default_factory=list)
    _http: aiohttp.ClientSession | None = None

    async def post(self, event: JsonDict) -> Delivery:
        """Deliver `event` once, retrying a non-2xx answer up to `retries` times."""
        delivery = Delivery(str(event["id"]), str(event["type"]))
        self.log.append(delivery)
        if not self.url:
            return delivery
        payload = encode(event)
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(self.retry_delay)
            delivery.attempts.append(await self._attempt(payload))
            if delivery.delivered:
                break
        return delivery

    async def _attempt(self, payload: bytes) -> int:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": sign(payload, self.secret, int(self.clock())),
        }
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        try:
            async with self._http.post(self.url, data=payload, headers=headers) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return 0

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
