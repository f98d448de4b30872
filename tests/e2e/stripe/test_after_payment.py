"""After the payment page: slow methods, expiry, refunds, and a price that rose after payment."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update

from bot import models
from bot.playground.stripe.server import FakeStripe
from bot.process.deps import Deps
from tests.e2e.harness import Shopper, until
from tests.e2e.stripe.conftest import Journey
from tests.integrations.fakes import taobao as fake_taobao


async def test_a_slow_method_is_pending_then_paid(journey: Journey) -> None:
    stripe = journey.stripe
    order_id, session = await journey.checked_out()
    await stripe.complete(session, paid=False)  # Alipay: completed, not yet paid
    await until(lambda: len(journey.alerts()) == 1)
    assert await journey.status(order_id) == "pending_payment"
    await stripe.settle(session, succeeded=True)
    await until(lambda: len(journey.alerts()) == 2)
    pending, paid = journey.alerts()
    assert pending.startswith("⏳") and paid.startswith("✅")
    assert await journey.status(order_id) == "paid"


async def test_an_expired_link_keeps_the_cart_and_a_late_payment_is_refunded(
    journey: Journey,
) -> None:
    ann, deps, stripe = journey.ann, journey.deps, journey.stripe
    order_id, session = await journey.checked_out()
    await stripe.expire(session)
    await until(lambda: len(journey.alerts()) == 1)
    assert "expired" in journey.alerts()[0] and await journey.status(order_id) == "expired"
    (cart,) = await ann.send("/cart")
    assert "✅ Check out" in [b.text for b in cart.all_buttons]  # the cart was kept
    late = stripe.event_for(session, "checkout.session.completed")  # a payment that raced it
    late["data"]["object"] |= {"payment_status": "paid", "payment_intent": "pi_late"}
    (delivery,) = await stripe.deliver(late)
    assert delivery.attempts == [200]
    await journey.told("already closed")
    assert await journey.status(order_id) == "refund_pending"
    async with deps.sessions() as s:
        (refund,) = (await s.execute(select(models.Refund))).scalars()
    assert refund.reason == "order_closed" and refund.amount_minor > 0


async def test_an_operator_refunds_and_the_shopper_hears_it(journey: Journey) -> None:
    ann, deps, stripe = journey.ann, journey.deps, journey.stripe
    order_id, session = await journey.checked_out()
    await stripe.complete(session, paid=True)
    await until(lambda: len(journey.alerts()) == 1)
    (refused,) = await ann.send(f"/refund {order_id}")
    assert "for operators" in refused.text
    operator = Shopper(
        journey.botapi, ann.app, journey.botapi.user(777, first_name="Op", language_code="en")
    )
    deps.settings.admin_ids = frozenset({777})  # type: ignore[misc]
    (done,) = await operator.send(f"/refund {order_id}")
    assert f"of order #{order_id} asked" in done.text
    await journey.told("has been refunded")
    assert await journey.status(order_id) == "refunded"
    refunds = [r for r in stripe.requests if r.path == "/v1/refunds"]
    assert len(refunds) == 1
    assert (refunds[0].idempotency_key or "").startswith(f"refund-{order_id}-operator-")
    (again,) = await operator.send(f"/refund {order_id}")
    assert "Not refunded" in again.text and "nothing left" in again.text


async def test_a_price_that_rose_after_payment_asks_the_shopper(journey: Journey) -> None:
    ann, deps, stripe = journey.ann, journey.deps, journey.stripe
    order_id, session = await journey.checked_out()
    await journey.raise_prices()  # meanwhile
    await stripe.complete(session, paid=True)
    await journey.told("⚠️")
    assert await journey.status(order_id) == "price_difference_due"
    rose = next(m for m in journey.botapi.messages(ann.chat_id) if m.text.startswith("⚠️"))
    pay = next(b for b in rose.all_buttons if b.text.startswith("💳 Pay"))
    await ann.press(pay.text, rose)
    link = next(b for b in ann.api.messages(ann.chat_id)[-1].all_buttons if b.url)
    difference = link.url.rsplit("/", 1)[1]
    assert difference != session
    await stripe.complete(difference, paid=True)
    await journey.told("difference of")
    assert await journey.status(order_id) == "purchasing"
    async with deps.sessions() as s:
        order = await s.get(models.Order, order_id)
        assert order is not None and order.paid_minor > order.total_minor


async def test_cancelling_after_a_price_rise_refunds_in_full(journey: Journey) -> None:
    ann, stripe = journey.ann, journey.stripe
    order_id, session = await journey.checked_out()
    await journey.raise_prices()
    await stripe.complete(session, paid=True)
    await journey.told("⚠️")
    rose = next(m for m in journey.botapi.messages(ann.chat_id) if m.text.startswith("⚠️"))
    answer = await ann.press("Cancel and refund", rose)
    assert "refunded in full" in (answer.text or "")
    await journey.told("has been refunded")
    assert await journey.status(order_id) == "refunded"


async def test_an_item_sold_out_after_payment_is_refunded(journey: Journey) -> None:
    deps, stripe = journey.deps, journey.stripe
    order_id, session = await journey.checked_out()
    async with deps.sessions.begin() as s:
        await s.execute(update(models.Sku).values(availability="out_of_stock"))
    await stripe.complete(session, paid=True)
    await journey.told("sold out at the seller")
    await journey.told("has been refunded")
    assert await journey.status(order_id) == "refunded"


async def test_an_unknown_event_type_is_answered_and_logged(
    deps: Deps, stripe: FakeStripe, webhook: str
) -> None:
    event = {"id": "evt_unknown_1", "object": "event", "type": "customer.created",
             "created": 1, "data": {"object": {"id": "cus_1", "object": "customer"}}}  # fmt: skip
    (delivery,) = await stripe.deliver(event)
    assert delivery.attempts == [200]
    async with deps.sessions() as s:
        kinds = list((await s.execute(select(models.PaymentEvent.kind))).scalars())
    assert kinds == ["ignored"]


async def test_a_price_changed_at_payment_is_shown_before_anything_is_charged(
    shopper: Callable[..., Shopper], deps: Deps, stripe: FakeStripe, webhook: str,
    taobao: fake_taobao.FakeTaobao,
) -> None:  # fmt: skip
    ann = shopper("en")
    await ann.send("/settings")
    await ann.press("Country")
    await ann.press("Germany")
    (card,) = await ann.send("https://item.taobao.com/item.htm?id=123456")
    await ann.press("🛒 Add to cart", card)
    (shown,) = await ann.send("/cart")
    await ann.press("✅ Check out", shown)
    await ann.press_data("cl:standard", ann.last)
    taobao.items["123456"]["zk_final_price"] = "34.90"  # while the shopper reads the quote
    pay = next(b for b in ann.last.all_buttons if b.text.startswith("💳 Pay"))
    answer = await ann.press(pay.text, ann.last)
    assert answer.show_alert and "Prices changed" in (answer.text or "")
    assert "was CN¥29.90, now CN¥34.90" in ann.last.text
    assert not [r for r in stripe.requests if r.path == "/v1/checkout/sessions"]
    await ann.press("✅ Check out", ann.last)  # seen: the second time goes through
    await ann.press_data("cl:standard", ann.last)
    pay = next(b for b in ann.last.all_buttons if b.text.startswith("💳 Pay"))
    await ann.press(pay.text, ann.last)
    assert any(b.url for b in ann.last.all_buttons)
    async with deps.sessions() as s:
        (line,) = (await s.execute(select(models.OrderLine))).scalars()
    assert line.unit_price_minor == 3490
