"""From a product card to a paid order: the quote, the Stripe link, the signed webhook, the alert.

The real stripe SDK talks to the local fake Stripe (bot/playground/stripe); the fake delivers
signed events to the bot's real web app, exactly as Stripe would.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable

import aiohttp
from sqlalchemy import func, select

from bot import models
from bot.playground.botapi.server import LocalBotApi
from bot.playground.stripe.server import FakeStripe
from bot.process.deps import Deps
from tests.e2e.harness import Shopper, alerts_seen, to_quote, until


async def test_a_shopper_pays_and_hears_it_once_however_often_stripe_tells(
    shopper: Callable[..., Shopper], deps: Deps, stripe: FakeStripe, webhook: str,
    botapi: LocalBotApi,
) -> None:  # fmt: skip
    ann = shopper("en")
    await to_quote(ann, deps)
    quote = ann.last.text
    for line in ("Goods", "Shipping inside China", "International shipping", "Service fee",
                 "Duties and VAT (estimate)", "Total"):  # fmt: skip
        assert line in quote
    assert "€" in quote  # Germany: the shopper's currency is the euro
    pay = next(b for b in ann.last.all_buttons if b.text.startswith("💳 Pay"))
    await ann.press(pay.text, ann.last)
    link = next(b for b in ann.last.all_buttons if b.url)
    assert link.url.startswith(f"{stripe.public_base}/pay/cs_")
    assert "Order #" in ann.last.text and "30 minutes" in ann.last.text
    created = next(r for r in stripe.requests if r.path == "/v1/checkout/sessions")
    assert created.params["shipping_address_collection"]["allowed_countries"] == ["DE"]
    assert created.params["line_items"][0]["price_data"]["currency"] == "eur"
    session_id = link.url.rsplit("/", 1)[1]

    paid = await stripe.complete(session_id, paid=True)
    await until(lambda: len(alerts_seen(botapi, ann)) == 1)
    await stripe.deliver(paid, times=20, concurrently=True)
    await asyncio.sleep(0.2)
    (alert,) = alerts_seen(botapi, ann)
    assert alert.startswith("✅ Payment received for order #")
    async with deps.sessions() as s:
        order = await s.scalar(select(models.Order))
        assert order is not None and order.status == "paid" and order.checkout_id == session_id
        assert await s.scalar(select(func.count()).select_from(models.PaymentEvent)) == 1
        assert await s.scalar(select(func.count()).select_from(models.CartLine)) == 0
    (orders,) = await ann.send("/orders")
    assert f"#{order.id}" in orders.text and "paid" in orders.text
    await ann.press(f"#{order.id}", orders)
    assert "Timeline" in ann.last.text and "waiting for payment" in ann.last.text
    assert "Ship to: DE, Testville" in ann.last.text  # from the payment page, masked
    assert "1 Test Street" not in ann.last.text and "Test Shopper" not in ann.last.text


async def test_forged_and_stale_webhooks_change_nothing(
    shopper: Callable[..., Shopper], deps: Deps, stripe: FakeStripe, webhook: str,
) -> None:  # fmt: skip
    ann = shopper("en")
    await to_quote(ann, deps)
    pay = next(b for b in ann.last.all_buttons if b.text.startswith("💳 Pay"))
    await ann.press(pay.text, ann.last)
    session_id = next(b for b in ann.last.all_buttons if b.url).url.rsplit("/", 1)[1]
    stripe.complete_session(session_id, paid=True)  # the session is paid, the event not sent
    event = stripe.event_for(session_id, "checkout.session.completed")
    body = json.dumps(event).encode()
    async with aiohttp.ClientSession() as http:
        for headers in (
            {},  # unsigned
            {"Stripe-Signature": stripe.sign(body).replace("v1=", "v1=00")},  # forged
            {"Stripe-Signature": stripe.sign(body, timestamp=int(stripe.clock()) - 301)},  # stale
            {"Stripe-Signature": stripe.sign(body + b" ")},  # signed for another body
        ):
            async with http.post(f"{webhook}/webhooks/stripe", data=body, headers=headers) as r:
                assert r.status == 400
        signed = {"Stripe-Signature": stripe.sign(body), "Content-Type": "application/json"}
        async with http.post(f"{webhook}/webhooks/stripe", data=body, headers=signed) as r:
            assert r.status == 200 and (await r.json())["outcome"] == "paid"
    async with deps.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(models.PaymentEvent)) == 1


async def test_without_stripe_keys_checkout_says_payments_are_off(
    shopper: Callable[..., Shopper], deps: Deps, stripe: FakeStripe
) -> None:
    deps.payments.provider = None
    ann = shopper("en")
    await to_quote(ann, deps)
    pay = next(b for b in ann.last.all_buttons if b.text.startswith("💳 Pay"))
    answer = await ann.press(pay.text, ann.last)
    assert answer.show_alert and "not configured" in (answer.text or "")
    async with deps.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(models.Order)) == 0
    assert re.search(r"Total", ann.last.text)
