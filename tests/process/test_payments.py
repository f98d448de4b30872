"""The payments' housekeeping: overdue orders expire once, alerts left behind are sent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.process.deps import Deps
from bot.services import cart, orders, payments, users
from integrations.money import Money
from integrations.types import PaymentEvent
from tests.support import product, store

USER = 6060


async def an_order(deps: Deps, expires_at: datetime) -> int:
    await store(deps, product(f"h{expires_at.minute}", "充电宝", "59.00"))
    async with deps.sessions.begin() as s:
        await users.touch(s, USER, "en")
        sku = await s.scalar(select(models.Sku.id).order_by(models.Sku.id.desc()))
        assert sku is not None
        await cart.add(s, USER, sku)
        order = await orders.create(
            s, user_id=USER, items=(await cart.view(s, USER)).buyable, quote={},
            charge=Money(Decimal("9.00"), "USD"), country="DE", shipping_line="standard",
            language="en", provider="telegram", expires_at=expires_at,
        )  # fmt: skip
        return order.id


async def test_an_order_left_unpaid_expires_once_and_the_shopper_hears_it(deps: Deps) -> None:
    now = datetime.now(UTC)
    old = await an_order(deps, now - timedelta(minutes=45))
    recent = await an_order(deps, now - timedelta(minutes=2))  # within the grace: left alone
    kicked: list[bool] = []
    deps.payments.on_alerts = lambda: kicked.append(True)
    assert await deps.payments.housekeeping() == 1
    assert await deps.payments.housekeeping() == 0
    async with deps.sessions() as s:
        assert (await orders.get(s, old)).status == "expired"
        assert (await orders.get(s, recent)).status == "pending_payment"
        alerts = list((await s.execute(select(models.Alert.kind))).scalars())
    assert alerts == ["expired"] and kicked == [True, True]


def paid_event(order_id: int | None, event_id: str) -> PaymentEvent:
    return PaymentEvent(
        provider="stripe", event_id=event_id, kind="paid", order_id=order_id, session_id=None,
        payment_ref="pi_x", amount=Money(Decimal("9.00"), "USD"), occurred_at=datetime.now(UTC),
    )  # fmt: skip


async def test_events_arriving_together_share_a_transaction_and_repeats_apply_once(
    deps: Deps,
) -> None:
    future = datetime.now(UTC) + timedelta(minutes=30)
    first, second = (
        await an_order(deps, future),
        await an_order(deps, future + timedelta(minutes=1)),
    )
    commits: list[int] = []
    engine = deps.sessions.kw["bind"].sync_engine
    listen = lambda *_: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", listen)
    try:
        events = [paid_event(first, "evt_a")] * 30 + [paid_event(second, "evt_b")] * 30
        outcomes = await asyncio.gather(*(deps.payments.receive(e) for e in events))
    finally:
        event.remove(engine, "commit", listen)
    assert sorted(o.outcome for o in outcomes).count("paid") == 2
    assert [o.outcome for o in outcomes].count("duplicate") == 58
    assert len(commits) <= 3  # one for the first event, one or two for the crowd behind it
    async with deps.sessions() as s:
        assert {(await orders.get(s, i)).status for i in (first, second)} == {"paid"}
        assert await s.scalar(select(func.count()).select_from(models.PaymentEvent)) == 2


async def test_an_event_the_batch_cannot_take_fails_alone(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_id = await an_order(deps, datetime.now(UTC) + timedelta(minutes=30))
    real = payments.apply_many

    async def picky(session: AsyncSession, events: list[PaymentEvent]) -> list[payments.Applied]:
        if any(e.event_id == "evt_poison" for e in events):
            raise ValueError("an event no code path expected")
        return await real(session, events)

    monkeypatch.setattr(payments, "apply_many", picky)
    good, bad = paid_event(order_id, "evt_good"), paid_event(None, "evt_poison")
    outcomes = await asyncio.gather(
        deps.payments.receive(good), deps.payments.receive(bad), return_exceptions=True
    )
    assert isinstance(outcomes[0], payments.Applied) and outcomes[0].outcome == "paid"
    assert isinstance(outcomes[1], ValueError)
