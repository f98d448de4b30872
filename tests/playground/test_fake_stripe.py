"""The fake Stripe on its own: its payment page, the signed events it delivers to a webhook
(checked with the official SDK's verifier), retries, expiry, and what it refuses on the wire."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
import stripe
from aiohttp import web

from bot.playground.stripe import FakeStripe
from bot.playground.stripe.events import sign
from bot.playground.stripe.wire import StripeApiError, nest
from tests.support import Clock

SECRET = "whsec_playground_0123456789"
KEY = "sk_test_playground_0123456789"


@dataclass
class Receiver:
    """A webhook endpoint: records every POST, answers ``statuses`` in turn, then 200."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[bytes, str]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.read(), request.headers.get("Stripe-Signature", "")))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    def events(self) -> list[dict[str, Any]]:
        """Every body received, each verified as the stripe SDK verifies it."""
        found = []
        for body, header in self.received:
            stripe.WebhookSignature.verify_header(body, header, SECRET, 300)
            found.append(json.loads(body))
        return found

    def types(self) -> list[str]:
        return [event["type"] for event in self.events()]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    endpoint = Receiver()
    app = web.Application()
    app.router.add_post("/webhooks/stripe", endpoint.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    endpoint.url = f"http://{host}:{port}/webhooks/stripe"
    yield endpoint
    await runner.cleanup()


@pytest.fixture
def clock() -> Clock:
    return Clock(time.time())  # wall time: the SDK checks signatures' timestamps against it


@pytest.fixture
async def fake(receiver: Receiver, clock: Clock) -> AsyncIterator[FakeStripe]:
    server = FakeStripe(
        SECRET, receiver.url, secret_key=KEY, retry_delay=0, settle_after=0, clock=clock
    )
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {KEY}"}) as session:
        yield session


def session_form(clock: Clock, **changes: str | None) -> dict[str, str]:
    """A valid create request as the SDK encodes it; `changes` replace or (None) drop keys."""
    form: dict[str, str | None] = {
        "mode": "payment",
        "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": "1250",
        "line_items[0][price_data][product_data][name]": "<b>Phone case</b>",
        "line_items[0][quantity]": "2",
        "payment_method_types[0]": "card",
        "payment_method_types[1]": "alipay",
        "payment_method_types[2]": "wechat_pay",
        "payment_method_options[wechat_pay][client]": "web",
        "client_reference_id": "7",
        "metadata[order_id]": "7",
        "payment_intent_data[metadata][order_id]": "7",
        "expires_at": str(int(clock.now) + 3600),
        "shipping_address_collection[allowed_countries][0]": "DE",
        "phone_number_collection[enabled]": "true",
        "success_url": "https://shop.example/paid?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://shop.example/cart",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


async def create(
    http: aiohttp.ClientSession, fake: FakeStripe, form: dict[str, str], key: str | None = None
) -> tuple[int, dict[str, Any], Mapping[str, str]]:
    headers = {"Idempotency-Key": key} if key else {}
    async with http.post(f"{fake.api_base}/v1/checkout/sessions", data=form, headers=headers) as r:
        return r.status, await r.json(), r.headers


async def open_session(http: aiohttp.ClientSession, fake: FakeStripe, clock: Clock) -> str:
    status, body, _ = await create(http, fake, session_form(clock))
    assert status == 200, body
    return str(body["id"])


# --------------------------------------------------------------------------- the payment page


async def test_page_shows_the_order_escaped(
    http: aiohttp.ClientSession, fake: FakeStripe, clock: Clock
) -> None:
    sid = await open_session(http, fake, clock)
    async with http.get(fake.sessions[sid]["url"]) as page:
        html = await page.text()
    assert page.status == 200
    assert "&lt;b&gt;Phone case&lt;/b&gt; × 2" in html and "<b>Phone case" not in html
    assert "25.00 EUR" in html
    assert f'action="/pay/{sid}/succeed"' in html and f'formaction="/pay/{sid}/fail"' in html


async def test_pay_delivers_a_signed_completed_event(
    http: aiohttp.ClientSession, fake: FakeStripe, receiver: Receiver, clock: Clock
) -> None:
    sid = await open_session(http, fake, clock)
    async with http.post(f"{fake.base}/pay/{sid}/succeed", allow_redirects=False) as r:
        assert r.status == 303
        assert r.headers["Location"] == f"https://shop.example/paid?session={sid}"
    await fake.drain()

    (event,) = receiver.events()
    assert event["type"] == "checkout.session.completed"
    assert event["object"] == "event" and event["id"].startswith("evt_")
    assert isinstance(event["created"], int)
    session = event["data"]["object"]
    assert (session["id"], session["status"], session["payment_status"]) == (
        sid,
        "complete",
        "paid",
    )
    assert session["metadata"] == {"order_id": "7"} and session["client_reference_id"] == "7"
    assert session["customer_details"]["address"]["country"] == "DE"
    intent = fake.payment_intents[session["payment_intent"]]
    assert intent["status"] == "succeeded" and intent["metadata"] == {"order_id": "7"}
    async with http.get(f"{fake.base}/pay/{sid}") as page:
        assert "Paid." in await page.text()


@pytest.mark.parametrize(
    ("action", "last", "intent_status"),
    [
        ("succeed", "checkout.session.async_payment_succeeded", "succeeded"),
        ("fail", "checkout.session.async_payment_failed", "requires_payment_method"),
    ],
)
async def test_asynchronous_method_completes_then_settles(
    http: aiohttp.ClientSession,
    fake: FakeStripe,
    receiver: Receiver,
    clock: Clock,
    action: str,
    last: str,
    intent_status: str,
) -> None:
    sid = await open_session(http, fake, clock)
    form = {"delayed": "1"}
    async with http.post(f"{fake.base}/pay/{sid}/{action}", data=form, allow_redirects=False) as r:
        assert r.status == 303
    await fake.drain()

    completed, settled = receiver.events()
    assert [completed["type"], settled["type"]] == ["checkout.session.completed", last]
    assert completed["data"]["object"]["payment_status"] == "unpaid"
    assert completed["id"] != settled["id"]
    intent_id = fake.sessions[sid]["payment_intent"]
    assert fake.payment_intents[intent_id]["status"] == intent_status


async def test_declined_card_keeps_the_session_open(
    http: aiohttp.ClientSession, fake: FakeStripe, receiver: Receiver, clock: Clock
) -> None:
    sid = await open_session(http, fake, clock)
    async with http.post(f"{fake.base}/pay/{sid}/fail") as r:  # follows to the page
        assert "declined" in await r.text()
    await fake.drain()
    assert receiver.types() == ["payment_intent.payment_failed"]
    assert fake.sessions[sid]["status"] == "open"

    async with http.post(f"{fake.base}/pay/{sid}/succeed", allow_redirects=False) as r:
        assert r.status == 303
    await fake.drain()
    assert receiver.types()[-1] == "checkout.session.completed"
    assert len(fake.payment_intents) == 1  # the same PaymentIntent, tried again


async def test_an_expired_page_cannot_be_paid(
    http: aiohttp.ClientSession, fake: FakeStripe, receiver: Receiver, clock: Clock
) -> None:
    sid = await open_session(http, fake, clock)
    clock.now += 3601  # past expires_at
    async with http.post(f"{fake.base}/pay/{sid}/succeed") as r:
        assert "expired" in await r.text()
    await fake.drain()
    assert receiver.types() == ["checkout.session.expired"]
    assert fake.sessions[sid]["payment_status"] == "unpaid"


async def test_unknown_page(http: aiohttp.ClientSession, fake: FakeStripe) -> None:
    async with http.get(f"{fake.base}/pay/cs_test_nothing") as r:
        assert r.status == 404


# --------------------------------------------------------------------------- delivery


async def test_retries_until_2xx_with_a_fresh_signature(
    http: aiohttp.ClientSession, fake: FakeStripe, receiver: Receiver, clock: Clock
) -> None:
    sid = await open_session(http, fake, clock)
    receiver.statuses = [500, 503]
    event = await fake.complete(sid)
    assert [d.attempts for d in fake.deliveries] == [[500, 503, 200]]
    assert {e["id"] for e in receiver.events()} == {event["id"]}
    assert len(receiver.received) == 3


async def test_gives_up_after_its_retries(
    http: aiohttp.ClientSession, fake: FakeStripe, receiver: Receiver, clock: Clock
) -> None:
    sid = await open_session(http, fake, clock)
    receiver.statuses = [500] * 10
    await fake.complete(sid)
    (delivery,) = fake.deliveries
    assert delivery.attempts == [500] * 4 and not delivery.delivered


async def test_deliver_many_times_concurrently(
    http: aiohttp.ClientSession, fake: FakeStripe, receiver: Receiver, clock: Clock
) -> None:
    sid = await open_session(http, fake, clock)
    event = fake.event_for(sid, "checkout.session.expired")
    deliveries = await fake.deliver(event, times=5, concurrently=True)
    assert all(d.delivered for d in deliveries)
    assert [e["id"] for e in receiver.events()] == [event["id"]] * 5


def test_signature_is_stripes() -> None:
    """Known answer: hex HMAC-SHA256 keyed with the secret over "<t>.<body>", the same header
    the official SDK generates."""
    payload = '{"id": "evt_1"}'
    header = sign(payload.encode(), "whsec_test", 1700000000)
    assert header == (
        "t=1700000000,v1=a0c091828640f0b68061abc7c03981ad1100ff7160c5dba6b656239494a2b537"
    )
    assert header == stripe.WebhookSignature.generate_signature_header(
        payload, "whsec_test", 1700000000
    )


async def test_api_refund_delivers_charge_refunded(
    http: aiohttp.ClientSession, fake: FakeStripe, receiver: Receiver, clock: Clock
) -> None:
    sid = await open_session(http, fake, clock)
    await fake.complete(sid)
    intent = fake.sessions[sid]["payment_intent"]
    async with http.post(
        f"{fake.api_base}/v1/refunds", data={"payment_intent": intent, "amount": "500"}
    ) as r:
        refund = await r.json()
    assert (r.status, refund["amount"], refund["status"]) == (200, 500, "succeeded")
    await fake.drain()
    charge_event = next(e for e in receiver.events() if e["type"] == "charge.refunded")
    charge = charge_event["data"]["object"]
    assert (charge["amount_refunded"], charge["refunded"]) == (500, False)


async def test_expiring_by_api_delivers_expired(
    http: aiohttp.ClientSession, fake: FakeStripe, receiver: Receiver, clock: Clock
) -> None:
    sid = await open_session(http, fake, clock)
    async with http.post(f"{fake.api_base}/v1/checkout/sessions/{sid}/expire") as r:
        assert (r.status, (await r.json())["status"]) == (200, "expired")
    await fake.drain()
    assert receiver.types() == ["checkout.session.expired"]


async def test_sessions_expire_on_their_own(
    http: aiohttp.ClientSession, fake: FakeStripe, receiver: Receiver, clock: Clock
) -> None:
    sid = await open_session(http, fake, clock)
    clock.now += 3599
    async with http.get(f"{fake.api_base}/v1/checkout/sessions/{sid}") as r:
        assert (await r.json())["status"] == "open"
    clock.now += 1
    async with http.get(f"{fake.api_base}/v1/checkout/sessions/{sid}") as r:
        assert (await r.json())["status"] == "expired"
    await fake.drain()
    assert receiver.types() == ["checkout.session.expired"]


# --------------------------------------------------------------------------- the wire


def test_nested_parameters() -> None:
    assert nest(
        [
            ("line_items[0][price_data][currency]", "usd"),
            ("line_items[0][quantity]", "1"),
            ("line_items[1][quantity]", "2"),
            ("metadata[order_id]", "7"),
            ("expand[0]", "payment_intent"),
            ("mode", "payment"),
        ]
    ) == {
        "line_items": [{"price_data": {"currency": "usd"}, "quantity": "1"}, {"quantity": "2"}],
        "metadata": {"order_id": "7"},
        "expand": ["payment_intent"],
        "mode": "payment",
    }
    with pytest.raises(StripeApiError):
        nest([("line_items[1][quantity]", "1")])  # a list must start at 0
    with pytest.raises(StripeApiError):
        nest([("metadata", "x"), ("metadata[a]", "b")])


@pytest.mark.parametrize(
    ("changes", "param", "code"),
    [
        ({"expires_at": "NOW+1200"}, "expires_at", None),  # under 30 minutes
        ({"expires_at": "NOW+90000"}, "expires_at", None),  # over 24 hours
        (
            {"line_items[0][price_data][currency]": "xyz"},
            "line_items[0][price_data][currency]",
            None,
        ),
        (
            {"line_items[0][price_data][currency]": "EUR"},
            "line_items[0][price_data][currency]",
            None,
        ),
        ({"line_items[0][quantity]": "0"}, "line_items[0][quantity]", "parameter_invalid_integer"),
        ({"line_items[0][quantity]": "-1"}, "line_items[0][quantity]", "parameter_invalid_integer"),
        (
            {"line_items[0][quantity]": "two"},
            "line_items[0][quantity]",
            "parameter_invalid_integer",
        ),
        (
            {"line_items[0][price_data][unit_amount]": "-1"},
            "line_items[0][price_data][unit_amount]",
            "parameter_invalid_integer",
        ),
        (
            {
                "line_items[0][price_data][currency]": "rub",
                "payment_method_types[2]": None,
                "payment_method_options[wechat_pay][client]": None,
            },
            "payment_method_types",
            None,
        ),
        (
            {"payment_method_options[wechat_pay][client]": None},
            "payment_method_options[wechat_pay][client]",
            None,
        ),
        (
            {
                "line_items[0][price_data][currency]": "kwd",
                "line_items[0][price_data][unit_amount]": "5125",
                "payment_method_types[1]": None,
                "payment_method_types[2]": None,
            },
            "line_items[0][price_data][unit_amount]",
            "invalid_charge_amount",
        ),
        (
            {
                "line_items[0][price_data][currency]": "isk",
                "line_items[0][price_data][unit_amount]": "401050",
                "payment_method_types[1]": None,
                "payment_method_types[2]": None,
            },
            "line_items[0][price_data][unit_amount]",
            "invalid_charge_amount_no_decimal_compatible",
        ),
        ({"line_items[0][quantity]": "1000000000"}, "line_items", "amount_too_large"),
        (
            {"line_items[0][price_data][unit_amount]": "10", "line_items[0][quantity]": "1"},
            "line_items",
            "amount_too_small",
        ),
        (
            {"line_items[0][price_data][product_data][name]": None},
            "line_items[0][price_data][product_data][name]",
            "parameter_missing",
        ),
        (
            {"shipping_address_collection[allowed_countries][0]": "KP"},
            "shipping_address_collection[allowed_countries][0]",
            None,
        ),
        (
            {"shipping_address_collection[allowed_countries][0]": "de"},
            "shipping_address_collection[allowed_countries][0]",
            None,
        ),
        ({"success_url": None}, "success_url", "parameter_missing"),
        ({"success_url": "not a url"}, "success_url", "url_invalid"),
        ({"locale": "xx"}, "locale", None),
        ({"colour": "red"}, "colour", "parameter_unknown"),
    ],
)
async def test_refuses_what_stripe_refuses(
    http: aiohttp.ClientSession,
    fake: FakeStripe,
    clock: Clock,
    changes: dict[str, str | None],
    param: str,
    code: str | None,
) -> None:
    now = int(clock.now)
    for key, value in changes.items():
        if value and value.startswith("NOW+"):
            changes[key] = str(now + int(value[4:]))
    status, body, _ = await create(http, fake, session_form(clock, **changes))
    assert status == 400
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["param"] == param
    assert body["error"].get("code") == code
    assert body["error"]["message"]
    assert fake.sessions == {}


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "You did not provide an API key"),
        ("Bearer sk_test_wrongwrongwrong", "Invalid API Key provided: sk_test_"),
        (f"Basic {KEY}", "Invalid API Key provided"),
    ],
)
async def test_refuses_a_bad_key(
    fake: FakeStripe, clock: Clock, authorization: str | None, message: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with aiohttp.ClientSession() as bare:
        async with bare.post(
            f"{fake.api_base}/v1/checkout/sessions", data=session_form(clock), headers=headers
        ) as r:
            body = await r.json()
    assert r.status == 401
    assert body["error"]["message"].startswith(message)
    assert "wrongwrong" not in body["error"]["message"]  # the key is masked
    assert fake.sessions == {}


async def test_idempotency(http: aiohttp.ClientSession, fake: FakeStripe, clock: Clock) -> None:
    form = session_form(clock)
    status, first, _ = await create(http, fake, form, key="order-7")
    status_again, again, headers = await create(
        http, fake, dict(reversed(form.items())), key="order-7"
    )
    assert (status, status_again) == (200, 200)
    assert again == first and headers["Idempotent-Replayed"] == "true"
    assert len(fake.sessions) == 1

    status, other, _ = await create(
        http, fake, session_form(clock, client_reference_id="8"), key="order-7"
    )
    assert status == 400
    assert other["error"]["type"] == "idempotency_error"
    assert "order-7" in other["error"]["message"]
    assert len(fake.sessions) == 1


async def test_refused_requests_store_no_idempotent_result(
    http: aiohttp.ClientSession, fake: FakeStripe, clock: Clock
) -> None:
    status, _, _ = await create(http, fake, session_form(clock, mode=None), key="k1")
    assert status == 400
    status, body, _ = await create(http, fake, session_form(clock), key="k1")
    assert status == 200 and body["object"] == "checkout.session"


async def test_retrieve_expands_the_payment_intent(
    http: aiohttp.ClientSession, fake: FakeStripe, clock: Clock
) -> None:
    sid = await open_session(http, fake, clock)
    await fake.complete(sid)
    url = f"{fake.api_base}/v1/checkout/sessions/{sid}"
    async with http.get(url, params={"expand[0]": "payment_intent"}) as r:
        intent = (await r.json())["payment_intent"]
    assert intent["object"] == "payment_intent" and intent["status"] == "succeeded"
    async with http.get(url) as r:
        assert (await r.json())["payment_intent"] == intent["id"]
    async with http.get(url, params={"expand[0]": "customer"}) as r:
        assert r.status == 400
    async with http.get(f"{fake.api_base}/v1/checkout/sessions/cs_test_none") as r:
        body = await r.json()
    assert (r.status, body["error"]["code"]) == (404, "resource_missing")
