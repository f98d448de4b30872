"""Payment events reach an order exactly once, whatever arrives twice, together or out of order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, text

from bot import models
from bot.process.deps import Deps
from bot.services import cart, orders, payments, users
from bot.services.order_states import OrderStatus
from integrations.money import Money
from integrations.types import PaymentEvent
from tests.support import product, store

S = OrderStatus
USER = 4242
PAID = Money(Decimal("29.99"), "USD")


async def an_order(deps: Deps, quantity: int = 2) -> int:
    """A shopper with a cart of one variant and an order for it, waiting for payment."""
    await store(deps, product("p1", "蓝牙耳机", "100.00"))
    async with deps.sessions.begin() as s:
        await users.touch(s, USER, "en")
        sku = await s.scalar(select(models.Sku.id))
        assert sku is not None
        await cart.add(s, USER, sku, quantity)
        shown = await cart.view(s, USER)
        order = await orders.create(
            s, user_id=USER, items=shown.buyable, quote={"total": "210.00"},
            charge=Money(Decimal("29.99"), "USD"), country="DE", shipping_line="standard",
            language="en", provider="stripe", expires_at=datetime.now(UTC) + timedelta(minutes=30),
        )  # fmt: skip
        return order.id


def event(
    order_id: int | None,
    kind: str,
    event_id: str,
    amount: Money | None = PAID,
    **extra: object,
) -> PaymentEvent:
    return PaymentEvent(
        provider="stripe", event_id=event_id, kind=kind, order_id=order_id,
        session_id="cs_1", payment_ref="pi_1", amount=amount,
        occurred_at=datetime.now(UTC), raw=extra,
    )  # fmt: skip


async def apply(deps: Deps, e: PaymentEvent) -> payments.Applied:
    async with deps.sessions.begin() as s:
        return await payments.apply(s, e)


async def state(deps: Deps, order_id: int) -> tuple[str, list[str], list[str], int]:
    """The order's status, its timeline's kinds, its alerts' kinds and the cart's line count."""
    async with deps.sessions() as s:
        order = await orders.get(s, order_id)
        kinds = [e.kind for e in await orders.timeline(s, order_id)]
        alerts = list(
            (await s.execute(select(models.Alert.kind).order_by(models.Alert.id))).scalars()
        )
        lines = await s.scalar(select(func.count()).select_from(models.CartLine))
    return order.status, kinds, alerts, int(lines or 0)


async def test_the_same_event_fifty_times_at_once_pays_the_order_once(deps: Deps) -> None:
    order_id = await an_order(deps)
    paid = event(order_id, "paid", "evt_paid")
    outcomes = await asyncio.gather(*(apply(deps, paid) for _ in range(50)))
    assert sorted(o.outcome for o in outcomes) == ["duplicate"] * 49 + ["paid"]
    status, kinds, alerts, lines = await state(deps, order_id)
    assert status == S.PAID and kinds == ["created", "paid"] and alerts == ["paid"]
    assert lines == 0  # what was bought left the cart
    async with deps.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(models.PaymentEvent)) == 1
        assert (await orders.get(s, order_id)).paid_minor == 2999


async def test_events_out_of_order_never_move_an_order_back(deps: Deps) -> None:
    order_id = await an_order(deps)
    assert (await apply(deps, event(order_id, "paid", "evt_async_ok"))).outcome == "paid"
    # The completed-but-unpaid event of the same session arrives late, then the expiry.
    assert (await apply(deps, event(order_id, "pending", "evt_completed"))).outcome == "no_change"
    assert (await apply(deps, event(order_id, "expired", "evt_expired"))).outcome == "no_change"
    assert (await apply(deps, event(order_id, "failed", "evt_failed"))).outcome == "no_change"
    status, kinds, alerts, _ = await state(deps, order_id)
    assert status == S.PAID and kinds == ["created", "paid"] and alerts == ["paid"]


async def test_a_pending_payment_is_noted_then_paid(deps: Deps) -> None:
    order_id = await an_order(deps)
    await apply(deps, event(order_id, "pending", "evt_1"))
    await apply(deps, event(order_id, "paid", "evt_2"))
    status, kinds, alerts, _ = await state(deps, order_id)
    assert status == S.PAID and kinds == ["created", "payment_pending", "paid"]
    assert alerts == ["payment_pending", "paid"]


async def test_a_payment_for_an_expired_order_is_refunded(deps: Deps) -> None:
    order_id = await an_order(deps)
    await apply(deps, event(order_id, "expired", "evt_exp"))
    applied = await apply(deps, event(order_id, "paid", "evt_paid"))
    assert applied.outcome == "refund_closed" and applied.refund_id is not None
    status, kinds, alerts, lines = await state(deps, order_id)
    assert status == S.REFUND_PENDING and kinds == ["created", "expired", "refund_requested"]
    assert alerts == ["expired", "paid_after_close"] and lines == 1  # the cart was not bought
    async with deps.sessions() as s:
        refund = await s.get(models.Refund, applied.refund_id)
        assert refund is not None and (refund.amount_minor, refund.currency) == (2999, "USD")
    assert (await apply(deps, event(order_id, "refunded", "evt_ref"))).outcome == "refunded"
    assert (await state(deps, order_id))[0] == S.REFUNDED


async def test_a_failed_payment_cancels_and_a_refund_before_payment_changes_nothing(
    deps: Deps,
) -> None:
    order_id = await an_order(deps)
    assert (await apply(deps, event(order_id, "refunded", "evt_r"))).outcome == "no_change"
    assert (await apply(deps, event(order_id, "failed", "evt_f"))).outcome == "failed"
    status, _, alerts, lines = await state(deps, order_id)
    assert status == S.CANCELLED and alerts == ["payment_failed"] and lines == 1


async def test_a_partial_then_full_refund(deps: Deps) -> None:
    order_id = await an_order(deps)
    await apply(deps, event(order_id, "paid", "evt_p"))
    part = event(order_id, "refunded", "evt_r1", amount=Money(Decimal("10.00"), "USD"))
    assert (await apply(deps, part)).outcome == "refunded"
    assert (await state(deps, order_id))[0] == S.PAID
    assert (await apply(deps, event(order_id, "refunded", "evt_r2"))).outcome == "refunded"
    status, kinds, _, _ = await state(deps, order_id)
    assert status == S.REFUNDED and kinds[-3:] == [
        "partly_refunded",
        "refund_requested",
        "refunded",
    ]


async def test_events_for_no_order_we_know_are_recorded_and_change_nothing(deps: Deps) -> None:
    assert (await apply(deps, event(999_999, "paid", "evt_x"))).outcome == "unknown_order"
    assert (await apply(deps, event(None, "ignored", "evt_y"))).outcome == "no_order"
    assert (await apply(deps, event(999_999, "paid", "evt_x"))).outcome == "duplicate"


async def test_an_event_of_no_order_told_twenty_times_at_once_is_recorded_once(deps: Deps) -> None:
    # No order to lock: on PostgreSQL the twenty transactions race to record it, and the
    # unique constraint's loser answers duplicate instead of failing.
    stray = event(999_999, "paid", "evt_stray")
    outcomes = await asyncio.gather(*(apply(deps, stray) for _ in range(20)))
    assert sorted(o.outcome for o in outcomes) == ["duplicate"] * 19 + ["unknown_order"]
    async with deps.sessions() as s:
        recorded = (await s.execute(select(models.PaymentEvent.outcome))).scalars().all()
    assert recorded == ["unknown_order"]


async def test_the_address_from_the_payment_page_is_sealed_at_rest(deps: Deps) -> None:
    order_id = await an_order(deps)
    address = {"line1": "Karl-Marx-Allee 1", "city": "Berlin", "postal_code": "10178",
               "country": "DE"}  # fmt: skip
    paid = event(
        order_id, "paid", "evt_a",
        customer_details={"phone": "+491701234567", "email": "ann@example.com"},
        shipping_details={"name": "Ann Example", "address": address},
    )  # fmt: skip
    await apply(deps, paid)
    async with deps.sessions() as s:
        order = await orders.get(s, order_id)
        assert order.address == {**address, "name": "Ann Example"}
        assert order.phone == "+491701234567"
        raw = (await s.execute(text("SELECT address, phone FROM orders"))).one()
    assert raw[0].startswith("v1.") and "Karl-Marx" not in raw[0] and "Ann" not in raw[0]
    assert "1701234567" not in raw[1]


async def test_what_was_added_to_the_cart_after_checkout_stays_in_it(deps: Deps) -> None:
    order_id = await an_order(deps, quantity=2)
    async with deps.sessions.begin() as s:
        sku = await s.scalar(select(models.Sku.id))
        assert sku is not None
        await cart.add(s, USER, sku, 3)  # five in the cart now, two of them in the order
    await apply(deps, event(order_id, "paid", "evt_partial"))
    async with deps.sessions() as s:
        (item,) = (await cart.view(s, USER)).items
    assert item.quantity == 3
