"""StripePayments (the real stripe SDK) against the local fake Stripe over loopback: the
session it creates, idempotency, expiry, refunds, re-reading a session, webhook signatures
and the mapping of each event type, configuration, and errors."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.playground.stripe import FakeStripe
from bot.playground.stripe.events import encode, sign
from integrations.errors import (
    AuthFailed,
    BadRequest,
    Forged,
    NetworkError,
    NotConfigured,
    NotFound,
    RateLimited,
    Rejected,
    ServerError,
    Timeout,
    Unavailable,
)
from integrations.money import Money
from integrations.payments import PaymentProvider
from integrations.payments.stripe import StripePayments
from integrations.types import CheckoutLine, CheckoutRequest, PaymentEvent
from tests.integrations.helpers import FastSleep

KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
WEBHOOK_SECRET = "whsec_test_5f2d0c8a1b7e4f6d9c3a"
SUCCESS = "https://t.me/shopbot?start=paid_{CHECKOUT_SESSION_ID}"
CANCEL = "https://t.me/shopbot?start=cart"


@pytest.fixture
async def fake() -> AsyncIterator[FakeStripe]:
    async with FakeStripe(WEBHOOK_SECRET, secret_key=KEY) as server:
        yield server


def env(fake: FakeStripe, **overrides: str) -> dict[str, str]:
    return {
        "STRIPE_SECRET_KEY": KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": fake.api_base,
    } | overrides


@pytest.fixture
async def stripe_(fake: FakeStripe, sleep: FastSleep) -> AsyncIterator[StripePayments]:
    """Three tries per request that do not wait, half a second each."""
    payments = StripePayments(env(fake), retries=2, timeout=0.5, sleep=sleep)
    yield payments
    await payments.close()


def request(
    *lines: tuple[str, str, int],
    currency: str = "EUR",
    country: str = "DE",
    key: str = "order-7-try-1",
    order_id: int = 7,
    expires_in: timedelta = timedelta(minutes=30),
    locale: str | None = "de_DE",
) -> CheckoutRequest:
    items = lines or (("Phone case", "12.50", 2),)
    return CheckoutRequest(
        order_id=order_id,
        lines=tuple(CheckoutLine(n, Money(Decimal(a), currency), q) for n, a, q in items),
        currency=currency,
        country=country,
        success_url=SUCCESS,
        cancel_url=CANCEL,
        expires_at=datetime.now(UTC) + expires_in,
        idempotency_key=key,
        locale=locale,
    )


def signed(
    fake: FakeStripe, event: dict[str, Any], at: float | None = None
) -> tuple[bytes, dict[str, str]]:
    body = encode(event)
    return body, {"stripe-signature": sign(body, WEBHOOK_SECRET, int(at or time.time()))}


async def paid_session(fake: FakeStripe, stripe_: StripePayments) -> str:
    checkout = await stripe_.create_checkout(request())
    await fake.complete(checkout.session_id)
    return checkout.session_id


# --------------------------------------------------------------------------- creating a session


def test_is_a_payment_provider(stripe_: StripePayments) -> None:
    assert isinstance(stripe_, PaymentProvider)
    assert stripe_.name == "stripe"


async def test_creates_a_checkout_session(stripe_: StripePayments, fake: FakeStripe) -> None:
    checkout = await stripe_.create_checkout(request(("Phone case", "12.50", 2), ("Mug", "3", 1)))

    (received,) = fake.requests
    assert (received.method, received.path, received.status) == (
        "POST",
        "/v1/checkout/sessions",
        200,
    )
    assert received.idempotency_key == "order-7-try-1"
    p = received.params
    assert p["mode"] == "payment"
    assert p["line_items"] == [
        {
            "price_data": {
                "currency": "eur",
                "unit_amount": "1250",
                "product_data": {"name": "Phone case"},
            },
            "quantity": "2",
        },
        {
            "price_data": {
                "currency": "eur",
                "unit_amount": "300",
                "product_data": {"name": "Mug"},
            },
            "quantity": "1",
        },
    ]
    assert p["payment_method_types"] == ["card", "alipay", "wechat_pay"]
    assert p["payment_method_options"] == {"wechat_pay": {"client": "web"}}
    assert p["client_reference_id"] == "7"
    assert p["metadata"] == {"order_id": "7"}
    assert p["payment_intent_data"] == {"metadata": {"order_id": "7"}}
    assert p["shipping_address_collection"] == {"allowed_countries": ["DE"]}
    assert p["phone_number_collection"] == {"enabled": "true"}
    assert (p["success_url"], p["cancel_url"]) == (SUCCESS, CANCEL)
    assert p["locale"] == "de"

    session = fake.sessions[checkout.session_id]
    assert checkout.provider == "stripe"
    assert checkout.url == f"{fake.base}/pay/{checkout.session_id}" == session["url"]
    assert int(checkout.expires_at.timestamp()) == session["expires_at"] == int(p["expires_at"])
    assert session["amount_total"] == 2800
    assert checkout.raw["id"] == checkout.session_id


@pytest.mark.parametrize(
    ("currency", "amount", "unit_amount", "methods"),
    [
        ("JPY", "1500", "1500", ["card", "alipay", "wechat_pay"]),
        ("KWD", "5.120", "5120", ["card"]),
        ("ISK", "4000", "400000", ["card"]),
        ("MYR", "25.90", "2590", ["card", "alipay"]),
        ("CHF", "19.95", "1995", ["card", "wechat_pay"]),
        ("RUB", "1990", "199000", ["card"]),
    ],
)
async def test_currency_rules_reach_stripe(
    stripe_: StripePayments,
    fake: FakeStripe,
    currency: str,
    amount: str,
    unit_amount: str,
    methods: list[str],
) -> None:
    await stripe_.create_checkout(request(("Lamp", amount, 1), currency=currency, country="US"))
    p = fake.requests[-1].params
    assert p["line_items"][0]["price_data"]["currency"] == currency.lower()
    assert p["line_items"][0]["price_data"]["unit_amount"] == unit_amount
    assert p["payment_method_types"] == methods
    assert ("payment_method_options" in p) == ("wechat_pay" in methods)
    assert p["shipping_address_collection"] == {"allowed_countries": ["US"]}


@pytest.mark.parametrize(
    "expires_in", [timedelta(minutes=1), timedelta(minutes=30), timedelta(days=3)]
)
async def test_expiry_moved_into_stripes_window(
    stripe_: StripePayments, fake: FakeStripe, expires_in: timedelta
) -> None:
    checkout = await stripe_.create_checkout(request(expires_in=expires_in))
    ahead = checkout.expires_at - datetime.now(UTC)
    assert timedelta(minutes=30) < ahead < timedelta(hours=24)
    if timedelta(minutes=31) < expires_in < timedelta(hours=23):
        assert abs(ahead - expires_in) < timedelta(seconds=5)


async def test_locale_left_to_stripe_when_checkout_lacks_it(
    stripe_: StripePayments, fake: FakeStripe
) -> None:
    await stripe_.create_checkout(request(locale="kk"))
    assert "locale" not in fake.requests[-1].params


@pytest.mark.parametrize(
    ("req", "message"),
    [
        (request(("Case", "1", 0)), "quantity 0"),
        (request(("Case", "1", -1)), "quantity -1"),
        (request(("Case", "-1", 1)), "negative price"),
        (request(("Case", "5.125", 1), currency="KWD"), "steps of 0.01"),
        (request(("Case", "10", 1), currency="IRR"), "does not charge in IRR"),
        (request(country="Germany"), "alpha-2"),
        (request(key="k" * 256), "idempotency key"),
        (CheckoutRequest(1, (), "EUR", "DE", SUCCESS, CANCEL, datetime.now(UTC), "k"), "no lines"),
        (
            CheckoutRequest(
                1,
                (CheckoutLine("Case", Money(Decimal(1), "USD"), 1),),
                "EUR",
                "DE",
                SUCCESS,
                CANCEL,
                datetime.now(UTC),
                "k",
            ),
            "in USD, not EUR",
        ),
    ],
)
async def test_bad_orders_refused_before_sending(
    stripe_: StripePayments, fake: FakeStripe, req: CheckoutRequest, message: str
) -> None:
    with pytest.raises(BadRequest, match=message):
        await stripe_.create_checkout(req)
    assert fake.requests == []


async def test_stripe_refusal_arrives_as_rejected(
    stripe_: StripePayments, fake: FakeStripe
) -> None:
    with pytest.raises(BadRequest) as small:
        await stripe_.create_checkout(request(("Sticker", "0.10", 1)))
    assert small.value.code == "amount_too_small"
    assert "at least 0.50 eur" in str(small.value)
    with pytest.raises(BadRequest) as large:
        await stripe_.create_checkout(request(("Sticker", "1", 10**9), key="order-7-try-2"))
    assert large.value.code == "amount_too_large"
    assert large.value.raw["param"] == "line_items"
    assert fake.sessions == {}
    assert [r.status for r in fake.requests] == [400, 400]  # refusals are not retried


async def test_wrong_key_is_auth_failed(fake: FakeStripe, sleep: FastSleep) -> None:
    payments = StripePayments(env(fake, STRIPE_SECRET_KEY="sk_test_someoneelse0000"), sleep=sleep)
    with pytest.raises(AuthFailed, match=r"Invalid API Key provided: sk_test_\*+0000"):
        await payments.create_checkout(request())
    await payments.close()


# --------------------------------------------------------------------------- idempotency


async def test_same_key_same_order_gives_the_same_session(
    stripe_: StripePayments, fake: FakeStripe
) -> None:
    first = await stripe_.create_checkout(request())
    again = await stripe_.create_checkout(request())
    assert again.session_id == first.session_id
    assert len(fake.sessions) == 1


async def test_same_key_other_order_is_refused(stripe_: StripePayments, fake: FakeStripe) -> None:
    await stripe_.create_checkout(request())
    with pytest.raises(BadRequest) as caught:
        await stripe_.create_checkout(request(("Other thing", "99", 1)))
    assert caught.value.code == "idempotency_error"
    assert len(fake.sessions) == 1


async def test_a_retried_create_makes_one_session(
    stripe_: StripePayments, fake: FakeStripe, sleep: FastSleep
) -> None:
    fake.plan = ["500"]
    checkout = await stripe_.create_checkout(request())
    assert [r.status for r in fake.requests] == [500, 200]
    assert {r.idempotency_key for r in fake.requests} == {"order-7-try-1"}
    assert list(fake.sessions) == [checkout.session_id]
    assert len(sleep.delays) == 1


# --------------------------------------------------------------------------- expire, refund, state


async def test_expire(stripe_: StripePayments, fake: FakeStripe) -> None:
    checkout = await stripe_.create_checkout(request())
    await stripe_.expire(checkout.session_id)
    assert fake.sessions[checkout.session_id]["status"] == "expired"
    state = await stripe_.session_state(checkout.session_id)
    assert state is not None and state.kind == "expired" and state.order_id == 7
    with pytest.raises(BadRequest, match="open"):
        await stripe_.expire(checkout.session_id)
    with pytest.raises(NotFound):
        await stripe_.expire("cs_test_nosuchsession")


async def test_session_state_follows_the_session(stripe_: StripePayments, fake: FakeStripe) -> None:
    checkout = await stripe_.create_checkout(request())
    sid = checkout.session_id
    assert await stripe_.session_state(sid) is None  # open, unpaid
    await fake.complete(sid, paid=False)  # an asynchronous method: completed, not paid
    pending = await stripe_.session_state(sid)
    assert pending is not None and pending.kind == "pending"
    await fake.settle(sid, succeeded=False)
    failed = await stripe_.session_state(sid)
    assert failed is not None and failed.kind == "failed"

    other = await stripe_.create_checkout(request(key="order-8", order_id=8))
    await fake.complete(other.session_id)
    paid = await stripe_.session_state(other.session_id)
    assert paid is not None
    assert (paid.kind, paid.order_id, paid.session_id) == ("paid", 8, other.session_id)
    assert paid.amount == Money(Decimal("25.00"), "EUR")
    assert paid.payment_ref == fake.sessions[other.session_id]["payment_intent"]
    assert paid.event_id == f"state:{other.session_id}:paid"


async def test_refunds(stripe_: StripePayments, fake: FakeStripe) -> None:
    sid = await paid_session(fake, stripe_)
    intent = fake.sessions[sid]["payment_intent"]

    part = await stripe_.refund(intent, Money(Decimal("5"), "EUR"), "refund-7-1")
    assert (part.provider, part.status, part.amount) == (
        "stripe",
        "succeeded",
        Money(Decimal("5.00"), "EUR"),
    )
    assert fake.requests[-1].params == {"payment_intent": intent, "amount": "500"}
    assert fake.requests[-1].idempotency_key == "refund-7-1"

    again = await stripe_.refund(intent, Money(Decimal("5"), "EUR"), "refund-7-1")
    assert again.refund_id == part.refund_id
    assert len(fake.refunds) == 1

    rest = await stripe_.refund(intent, None, "refund-7-2")
    assert rest.amount == Money(Decimal("20.00"), "EUR")
    with pytest.raises(BadRequest) as caught:
        await stripe_.refund(intent, None, "refund-7-3")
    assert caught.value.code == "charge_already_refunded"


async def test_refund_refusals(stripe_: StripePayments, fake: FakeStripe) -> None:
    sid = await paid_session(fake, stripe_)
    intent = fake.sessions[sid]["payment_intent"]
    with pytest.raises(BadRequest, match="greater than unrefunded"):
        await stripe_.refund(intent, Money(Decimal("30"), "EUR"), "r1")
    with pytest.raises(BadRequest, match="No such payment_intent"):
        await stripe_.refund("pi_nosuchintent", None, "r2")
    with pytest.raises(BadRequest, match=r"steps of 0\.01"):
        await stripe_.refund(intent, Money(Decimal("1.005"), "EUR"), "r3")
    assert fake.refunds == {}


# --------------------------------------------------------------------------- webhook events


async def test_parses_a_genuine_event(stripe_: StripePayments, fake: FakeStripe) -> None:
    sid = await paid_session(fake, stripe_)
    event = fake.event_for(sid, "checkout.session.completed")
    body, headers = signed(fake, event)

    parsed = stripe_.parse_event(body, headers)

    assert parsed == PaymentEvent(
        provider="stripe",
        event_id=event["id"],
        kind="paid",
        order_id=7,
        session_id=sid,
        payment_ref=fake.sessions[sid]["payment_intent"],
        amount=Money(Decimal("25.00"), "EUR"),
        occurred_at=datetime.fromtimestamp(event["created"], UTC),
    )
    assert parsed.raw == event
    assert parsed.event_id.startswith("evt_")


async def test_the_fakes_deliveries_parse(stripe_: StripePayments, fake: FakeStripe) -> None:
    """The exact bytes and header the fake POSTs are accepted (the Stripe-Signature header
    under any capitalisation)."""
    sid = await paid_session(fake, stripe_)
    event = fake.events[-1]
    body = encode(event)
    parsed = stripe_.parse_event(body, {"STRIPE-SIGNATURE": fake.sign(body)})
    assert (parsed.kind, parsed.session_id) == ("paid", sid)


@pytest.fixture
async def genuine(stripe_: StripePayments, fake: FakeStripe) -> dict[str, Any]:
    sid = await paid_session(fake, stripe_)
    return fake.event_for(sid, "checkout.session.completed")


def test_forged_signature(stripe_: StripePayments, genuine: dict[str, Any]) -> None:
    body = encode(genuine)
    header = sign(body, "whsec_someone_else", int(time.time()))
    with pytest.raises(Forged, match="does not match"):
        stripe_.parse_event(body, {"Stripe-Signature": header})


def test_unsigned(stripe_: StripePayments, genuine: dict[str, Any]) -> None:
    with pytest.raises(Forged, match="no Stripe-Signature"):
        stripe_.parse_event(encode(genuine), {"Content-Type": "application/json"})


@pytest.mark.parametrize("header", ["", "nonsense", "t=abc,v1=00", "t=1700000000"])
def test_malformed_signature_header(
    stripe_: StripePayments, genuine: dict[str, Any], header: str
) -> None:
    with pytest.raises(Forged):
        stripe_.parse_event(encode(genuine), {"Stripe-Signature": header})


def test_stale_is_forged_and_fresh_enough_is_not(
    stripe_: StripePayments, fake: FakeStripe, genuine: dict[str, Any]
) -> None:
    body, headers = signed(fake, genuine, at=time.time() - 301)
    with pytest.raises(Forged, match="300 s"):
        stripe_.parse_event(body, headers)
    body, headers = signed(fake, genuine, at=time.time() - 290)
    assert stripe_.parse_event(body, headers).kind == "paid"


def test_tampered_body(stripe_: StripePayments, fake: FakeStripe, genuine: dict[str, Any]) -> None:
    body, headers = signed(fake, genuine)
    tampered = body.replace(b'"amount_total": 2500', b'"amount_total": 1')
    assert tampered != body
    with pytest.raises(Forged):
        stripe_.parse_event(tampered, headers)
    with pytest.raises(Forged):
        stripe_.parse_event(b"\xff" + body, headers)


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'{"object": "event", "id": "evt_1"}', b'{"object": "list"}']
)
def test_signed_but_not_an_event(stripe_: StripePayments, body: bytes) -> None:
    headers = {"Stripe-Signature": sign(body, WEBHOOK_SECRET, int(time.time()))}
    with pytest.raises(BadRequest):
        stripe_.parse_event(body, headers)


async def _event(
    fake: FakeStripe, stripe_: StripePayments, kind: str
) -> tuple[dict[str, Any], str]:
    """A real event of type `kind` from the fake's own moves, and its session's id."""
    checkout = await stripe_.create_checkout(request())
    sid = checkout.session_id
    if kind == "completed unpaid":
        return await fake.complete(sid, paid=False), sid
    if kind.startswith("checkout.session.async_payment_"):
        await fake.complete(sid, paid=False)
        return await fake.settle(sid, succeeded=kind.endswith("succeeded")), sid
    if kind == "checkout.session.expired":
        return await fake.expire(sid), sid
    if kind == "payment_intent.payment_failed":
        return await fake.decline(sid), sid
    await fake.complete(sid)
    if kind == "checkout.session.completed":
        return fake.events[-1], sid
    refund = await fake.refund(fake.sessions[sid]["payment_intent"], amount=700)
    if kind in ("charge.refunded", "refund.created"):
        return next(e for e in fake.events if e["type"] == kind), sid
    return fake.set_refund_status(refund["id"], kind.rpartition(" ")[2]), sid


@pytest.mark.parametrize(
    ("kind", "expected", "amount", "order_id"),
    [
        ("checkout.session.completed", "paid", "25.00", 7),
        ("completed unpaid", "pending", "25.00", 7),
        ("checkout.session.async_payment_succeeded", "paid", "25.00", 7),
        ("checkout.session.async_payment_failed", "failed", "25.00", 7),
        ("checkout.session.expired", "expired", "25.00", 7),
        ("charge.refunded", "refunded", "7.00", 7),  # metadata copied from the PaymentIntent
        ("refund.updated succeeded", "refunded", "7.00", None),  # found by payment_ref
        ("refund.updated failed", "ignored", None, None),
        ("refund.created", "ignored", None, None),
        ("payment_intent.payment_failed", "ignored", None, 7),
    ],
)
async def test_event_mapping(
    stripe_: StripePayments,
    fake: FakeStripe,
    kind: str,
    expected: str,
    amount: str | None,
    order_id: int | None,
) -> None:
    event, sid = await _event(fake, stripe_, kind)
    parsed = stripe_.parse_event(*signed(fake, event))
    assert parsed.kind == expected
    assert parsed.amount == (None if amount is None else Money(Decimal(amount), "EUR"))
    assert parsed.order_id == order_id
    assert parsed.event_id == event["id"]
    assert parsed.payment_ref == fake.sessions[sid]["payment_intent"]
    assert parsed.session_id == (sid if kind.startswith(("checkout", "completed")) else None)


async def test_order_id_from_client_reference_id(stripe_: StripePayments, fake: FakeStripe) -> None:
    sid = await paid_session(fake, stripe_)
    event = fake.event_for(sid, "checkout.session.completed")
    event["data"]["object"]["metadata"] = {}
    assert stripe_.parse_event(*signed(fake, event)).order_id == 7
    event["data"]["object"]["client_reference_id"] = None
    assert stripe_.parse_event(*signed(fake, event)).order_id is None


def test_unknown_type_is_ignored(stripe_: StripePayments, fake: FakeStripe) -> None:
    event = {
        "id": "evt_1NG8Du2eZvKYlo2CUI79vXWy",
        "object": "event",
        "type": "customer.created",
        "created": 1_700_000_000,
        "data": {"object": {"id": "cus_1", "object": "customer", "email": "a@example.com"}},
    }
    parsed = stripe_.parse_event(*signed(fake, event))
    assert (parsed.kind, parsed.order_id, parsed.amount) == ("ignored", None, None)
    assert parsed.occurred_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("drop", "missing"),
    [
        (("STRIPE_SECRET_KEY",), ["STRIPE_SECRET_KEY"]),
        (("STRIPE_WEBHOOK_SECRET",), ["STRIPE_WEBHOOK_SECRET"]),
        (
            ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"),
            ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"],
        ),
    ],
)
def test_not_configured(drop: tuple[str, ...], missing: list[str]) -> None:
    settings = {"STRIPE_SECRET_KEY": KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET}
    for name in drop:
        settings[name] = ""
    with pytest.raises(NotConfigured) as caught:
        StripePayments(settings)
    assert caught.value.missing == missing
    assert isinstance(caught.value, Rejected)


def test_default_api_base_is_stripes() -> None:
    payments = StripePayments({"STRIPE_SECRET_KEY": KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET})
    assert payments.api_base == "https://api.stripe.com"
    assert KEY not in repr(payments)


async def test_nothing_secret_is_logged(
    stripe_: StripePayments, fake: FakeStripe, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sid = await paid_session(fake, stripe_)
    await stripe_.session_state(sid)
    stripe_.parse_event(*signed(fake, fake.events[-1]))
    with pytest.raises(Rejected):
        await stripe_.create_checkout(request(("x", "0.01", 1), key="other"))
    for secret in (KEY, WEBHOOK_SECRET, "shopper@example.com", "+15555550100", "1 Test Street"):
        assert secret not in caplog.text


# --------------------------------------------------------------------------- unavailability


@pytest.mark.parametrize(("step", "error"), [("500", ServerError), ("garbage", ServerError)])
async def test_failing_every_time_is_unavailable(
    stripe_: StripePayments, fake: FakeStripe, step: str, error: type[Unavailable]
) -> None:
    fake.plan = [step] * 3
    with pytest.raises(error):
        await stripe_.create_checkout(request())
    assert len(fake.requests) == 3  # the SDK's two retries, then it gives up
    assert fake.sessions == {}


async def test_rate_limited(stripe_: StripePayments, fake: FakeStripe) -> None:
    fake.plan = ["429"]
    with pytest.raises(RateLimited):
        await stripe_.session_state("cs_test_whatever")


async def test_timeout(fake: FakeStripe, sleep: FastSleep) -> None:
    payments = StripePayments(env(fake), retries=0, timeout=0.2, sleep=sleep)
    fake.plan = ["slow"]
    with pytest.raises(Timeout):
        await payments.create_checkout(request())
    await payments.close()


async def test_nobody_listening(sleep: FastSleep) -> None:
    async with FakeStripe(WEBHOOK_SECRET) as gone:
        base = gone.api_base
    payments = StripePayments(
        {
            "STRIPE_SECRET_KEY": KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": base,
        },
        retries=1,
        sleep=sleep,
    )
    with pytest.raises(NetworkError):
        await payments.expire("cs_test_x")
    assert len(sleep.delays) == 1  # connection errors are retried
    await payments.close()
