"""The payments' housekeeping: overdue orders expire once, alerts left behind are sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot import models
from bot.process.deps import Deps
from bot.services import cart, orders, users
from integrations.money import Money
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
