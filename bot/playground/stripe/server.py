"""A local fake of Stripe for the tests and the playground: Checkout Sessions, expiry, refunds,
a hosted payment page, and signed webhook events, on loopback (aiohttp).

It speaks Stripe's v1 wire format (wire.py), so the unmodified `stripe` SDK talks to it through
``StripeClient(base_addresses={"api": fake.api_base})``, and it refuses what Stripe refuses
(rules.py): a missing or unknown key (401), bad parameters (400 with Stripe's error envelope),
and an Idempotency-Key reused with other parameters (400 idempotency_error); the same key with
the same parameters replays the first answer (``Idempotent-Replayed: true``). As at Stripe,
requests refused by validation store no idempotent result.

The payment page at ``/pay/{session_id}`` (page.py) completes sessions, and every state change
becomes a signed event POSTed to ``webhook_url`` (events.py). Tests drive the same moves
directly: ``complete``, ``settle``, ``decline``, ``expire``, ``refund``, ``deliver`` and
``event_for``. ``plan`` makes the next API requests misbehave, one step each: "500", "429",
"garbage" (an HTML 502) or "slow" (the answer after ``slow_seconds``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.playground.stripe.events import Deliverer, Delivery, sign
from bot.playground.stripe.ledger import Ledger
from bot.playground.stripe.page import render
from bot.playground.stripe.rules import check_session
from bot.playground.stripe.wire import JsonDict, StripeApiError, bad, canonical, read_params

__all__ = ["FakeStripe", "Received", "StripeApiError"]

Action = Callable[[web.Request, JsonDict], Awaitable[JsonDict]]
MAX_IDEMPOTENCY_KEY = 255


@dataclass
class Received:
    """One API request as the fake received it, and the status it answered."""

    method: str
    path: str
    params: JsonDict
    idempotency_key: str | None
    status: int = 0


@dataclass(frozen=True, slots=True)
class _Stored:
    fingerprint: str
    status: int
    body: JsonDict


class FakeStripe(Ledger):
    def __init__(
        self,
        webhook_secret: str,
        webhook_url: str = "",
        *,
        secret_key: str | None = None,
        public_base: str | None = None,
        retries: int = 3,
        retry_delay: float = 0.5,
        settle_after: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`secret_key` None accepts any ``sk_``/``rk_`` key; `public_base` is where shoppers
        reach the payment page (default: this server); `settle_after` is how long the page's
        asynchronous method takes to settle."""
        super().__init__(clock)
        self.webhook_secret = webhook_secret
        self.secret_key = secret_key
        self.settle_after = settle_after
        self.requests: list[Received] = []
        self.plan: list[str | None] = []
        self.slow_seconds = 2.0
        self.base = ""
        self._public_base = public_base
        self._idempotent: dict[str, _Stored] = {}
        self._deliverer = Deliverer(webhook_secret, webhook_url, clock, retries, retry_delay)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0: a free port); returns the base URL."""
        app = web.Application()
        app.router.add_post("/v1/checkout/sessions", self._route(self._create_session))
        app.router.add_get("/v1/checkout/sessions/{id}", self._route(self._retrieve_session))
        app.router.add_post("/v1/checkout/sessions/{id}/expire", self._route(self._expire))
        app.router.add_post("/v1/refunds", self._route(self._create_refund))
        app.router.add_get("/pay/{id}", self._page)
        app.router.add_post("/pay/{id}/succeed", self._page_action)
        app.router.add_post("/pay/{id}/fail", self._page_action)
        self._closing.clear()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.base = f"http://{bound_host}:{bound_port}"
        return self.base

    async def close(self) -> None:
        self._closing.set()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._deliverer.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeStripe:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    @property
    def api_base(self) -> str:
        """Value for STRIPE_API_BASE."""
        return self.base

    @property
    def public_base(self) -> str:
        return (self._public_base or self.base).rstrip("/")

    @property
    def webhook_url(self) -> str:
        return self._deliverer.url

    @webhook_url.setter
    def webhook_url(self, url: str) -> None:
        self._deliverer.url = url

    @property
    def deliveries(self) -> list[Delivery]:
        return self._deliverer.log

    # --- the test-facing moves (each delivers its events before returning) ------------------

    async def complete(self, session_id: str, paid: bool = True) -> JsonDict:
        """The shopper paid: by card (`paid`), or by an asynchronous method (completed
        unpaid; `settle` finishes it)."""
        return await self._delivered(self.complete_session(session_id, paid=paid))

    async def settle(self, session_id: str, succeeded: bool = True) -> JsonDict:
        return await self._delivered(self.settle_session(session_id, succeeded=succeeded))

    async def decline(self, session_id: str) -> JsonDict:
        return await self._delivered(self.decline_session(session_id))

    async def expire(self, session_id: str) -> JsonDict:
        return await self._delivered(self.expire_session(session_id))

    async def refund(self, payment_intent: str, amount: int | None = None) -> JsonDict:
        """Refund `amount` (Stripe minor units; None: what is left) and deliver the events."""
        params: JsonDict = {"payment_intent": payment_intent}
        if amount is not None:
            params["amount"] = str(amount)
        refund, events = self.refund_payment(params)
        for event in events:
            await self._deliverer.post(event)
        return refund

    async def deliver(
        self, event: JsonDict, times: int = 1, concurrently: bool = False
    ) -> list[Delivery]:
        """POST `event` to the webhook `times` times (the same event id each time)."""
        if concurrently:
            return list(await asyncio.gather(*(self._deliverer.post(event) for _ in range(times))))
        return [await self._deliverer.post(event) for _ in range(times)]

    async def drain(self) -> None:
        """Wait for the deliveries the API and the payment page started in the background."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def sign(self, payload: bytes, timestamp: int | None = None) -> str:
        moment = int(self.clock()) if timestamp is None else timestamp
        return sign(payload, self.webhook_secret, moment)

    async def _delivered(self, event: JsonDict) -> JsonDict:
        await self._deliverer.post(event)
        return event

    def _background(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post_all(self, events: list[JsonDict]) -> None:
        for event in events:
            await self._deliverer.post(event)

    def _expire_due(self) -> None:
        due = self.expire_due()
        if due:
            self._background(self._post_all(due))

    # --- the API ---------------------------------------------------------------------------

    def _route(self, action: Action) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._api(request, action)

        return handle

    async def _api(self, request: web.Request, action: Action) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        received = Received(request.method, request.path, {}, key)
        self.requests.append(received)
        trouble = await self._misbehave()
        if trouble is not None:
            received.status = trouble.status
            return trouble
        try:
            received.params = params = await read_params(request)
            self._authorize(request.headers.get("Authorization", ""))
            fingerprint = canonical({"m": request.method, "p": request.path, "q": params})
            replay = self._replay(key, fingerprint)
            if replay is not None:
                received.status = replay.status
                return web.json_response(
                    replay.body, status=replay.status, headers={"Idempotent-Replayed": "true"}
                )
            self._expire_due()
            body = await action(request, params)
        except StripeApiError as err:
            received.status = err.status
            return err.response()
        if key:
            self._idempotent[key] = _Stored(fingerprint, 200, body)
        received.status = 200
        return web.json_response(body, headers={"Request-Id": f"req_{len(self.requests)}"})

    def _authorize(self, header: str) -> None:
        scheme, _, key = header.partition(" ")
        if not header:
            raise StripeApiError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').",
            )
        valid = scheme == "Bearer" and key.startswith(("sk_", "rk_"))
        if not valid or (self.secret_key is not None and key != self.secret_key):
            masked = key[:8] + "*" * max(len(key) - 12, 4) + key[-4:]
            raise StripeApiError(401, f"Invalid API Key provided: {masked}")

    def _replay(self, key: str | None, fingerprint: str) -> _Stored | None:
        if not key:
            return None
        if len(key) > MAX_IDEMPOTENCY_KEY:
            raise bad(f"Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} characters")
        stored = self._idempotent.get(key)
        if stored is not None and stored.fingerprint != fingerprint:
            raise StripeApiError(
                400,
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
                type="idempotency_error",
            )
        return stored

    async def _misbehave(self) -> web.Response | None:
        step = self.plan.pop(0) if self.plan else None
        if step == "slow":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.slow_seconds)
            return None
        if step == "500":
            error = {"type": "api_error", "message": "An unknown error occurred"}
            return web.json_response({"error": error}, status=500)
        if step == "429":
            error = {
                "type": "invalid_request_error",
                "code": "rate_limit",
                "message": "Too many requests hit the API too quickly.",
            }
            return web.json_response({"error": error}, status=429)
        if step == "garbage":
            return web.Response(
                status=502, text="<html>502 Bad Gateway</html>", content_type="text/html"
            )
        if step:
            raise ValueError(f"unknown plan step {step!r}")
        return None

    async def _create_session(self, request: web.Request, params: JsonDict) -> JsonDict:
        spec = check_session(params, self.now())
        return self.open_session(spec, self.public_base)

    async def _retrieve_session(self, request: web.Request, params: JsonDict) -> JsonDict:
        session = dict(self.session(request.match_info["id"]))
        expand = params.get("expand") or []
        for field in expand if isinstance(expand, list) else [expand]:
            if field != "payment_intent":
                raise bad(f"This property cannot be expanded ({field}).", param="expand")
            intent = self.payment_intents.get(str(session.get("payment_intent")))
            if intent is not None:
                session["payment_intent"] = dict(intent)
        return session

    async def _expire(self, request: web.Request, params: JsonDict) -> JsonDict:
        sid = request.match_info["id"]
        session = self.session(sid)
        if session["status"] != "open":
            raise bad(
                'Only Checkout Sessions with a status in ["open"] can be expired.',
                code="checkout_session_not_open",
            )
        self._background(self._post_all([self.expire_session(sid)]))
        return session

    async def _create_refund(self, request: web.Request, params: JsonDict) -> JsonDict:
        refund, events = self.refund_payment(params)
        self._background(self._post_all(events))
        return refund

    # --- the payment page ------------------------------------------------------------------

    def _page_session(self, request: web.Request) -> tuple[str, JsonDict]:
        """The session of the page asked for, as of now (404 if there is none)."""
        self._expire_due()
        sid = request.match_info["id"]
        session = self.sessions.get(sid)
        if session is None:
            raise web.HTTPNotFound(text="No such payment page", content_type="text/plain")
        return sid, session

    async def _page(self, request: web.Request) -> web.Response:
        sid, session = self._page_session(request)
        message = "Your card was declined. Try again." if "declined" in request.query else ""
        return web.Response(
            text=render(session, self.line_items[sid], message), content_type="text/html"
        )

    async def _page_action(self, request: web.Request) -> web.StreamResponse:
        sid, session = self._page_session(request)
        if session["status"] != "open":
            raise web.HTTPSeeOther(f"/pay/{sid}")
        form = await request.post()
        succeed = request.path.endswith("/succeed")
        if form.get("delayed"):
            first = self.complete_session(sid, paid=False)
            self._background(self._then_settle(first, sid, succeed))
        elif succeed:
            self._background(self._post_all([self.complete_session(sid, paid=True)]))
        else:
            self._background(self._post_all([self.decline_session(sid)]))
            raise web.HTTPSeeOther(f"/pay/{sid}?declined=1")
        target = str(session.get("success_url") or f"/pay/{sid}")
        raise web.HTTPSeeOther(target.replace("{CHECKOUT_SESSION_ID}", sid))

    async def _then_settle(self, completed: JsonDict, sid: str, succeeded: bool) -> None:
        await self._deliverer.post(completed)
        await asyncio.sleep(self.settle_after)
        await self._deliverer.post(self.settle_session(sid, succeeded=succeeded))
