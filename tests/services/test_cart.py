"""The cart service: quantities within bounds, lines per variant, vanished variants kept and marked."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from bot import models
from bot.process.deps import Deps
from bot.services import cart, users
from bot.services.cart import MAX_QUANTITY, CartError, Reason
from tests.support import product, store

USER = 5150


async def a_sku(deps: Deps, *, stock: bool = True) -> int:
    await store(deps, product("x", "数据线", "12.50", stock=stock))
    async with deps.sessions.begin() as s:
        await users.touch(s, USER, "en")
        sku = await s.scalar(select(models.Sku.id))
    assert sku is not None
    return sku


@pytest.mark.parametrize("quantity", [0, -1, 10**9, MAX_QUANTITY + 1, True, "2"])
async def test_impossible_quantities_are_refused(deps: Deps, quantity: object) -> None:
    sku = await a_sku(deps)
    async with deps.sessions.begin() as s:
        with pytest.raises(CartError) as refused:
            await cart.add(s, USER, sku, quantity)  # type: ignore[arg-type]
    assert refused.value.reason == Reason.QUANTITY
    async with deps.sessions() as s:
        assert (await cart.view(s, USER)).items == ()


async def test_adding_again_adds_up_to_the_limit(deps: Deps) -> None:
    sku = await a_sku(deps)
    async with deps.sessions.begin() as s:
        await cart.add(s, USER, sku, 60)
        await cart.add(s, USER, sku, 60)
        (item,) = (await cart.view(s, USER)).items
        assert item.quantity == MAX_QUANTITY
        await cart.set_quantity(s, USER, item.line_id, 0)  # 0 removes
        assert (await cart.view(s, USER)).items == ()


async def test_no_such_variant_sold_out_and_someone_elses_line(deps: Deps) -> None:
    sku = await a_sku(deps, stock=False)
    async with deps.sessions.begin() as s:
        with pytest.raises(CartError) as refused:
            await cart.add(s, USER, sku)
        assert refused.value.reason == Reason.UNAVAILABLE
        with pytest.raises(CartError) as refused:
            await cart.add(s, USER, 2**62)
        assert refused.value.reason == Reason.NO_SUCH_VARIANT
        with pytest.raises(CartError) as refused:
            await cart.remove(s, USER, -5)
        assert refused.value.reason == Reason.NO_SUCH_LINE


async def test_a_line_of_another_shopper_cannot_be_touched(deps: Deps) -> None:
    sku = await a_sku(deps)
    async with deps.sessions.begin() as s:
        await users.touch(s, USER + 1, "en")
        line = await cart.add(s, USER + 1, sku, 2)
        with pytest.raises(CartError):
            await cart.set_quantity(s, USER, line.id, 5)
        with pytest.raises(CartError):
            await cart.remove(s, USER, line.id)


async def test_a_variant_that_vanished_stays_marked_and_out_of_the_total(deps: Deps) -> None:
    sku = await a_sku(deps)
    async with deps.sessions.begin() as s:
        await cart.add(s, USER, sku, 3)
        await s.execute(delete(models.Offer).where(models.Offer.sku_id == sku))
    async with deps.sessions() as s:
        shown = await cart.view(s, USER)
    (item,) = shown.items
    assert item.unit is None and item.amount is None and shown.subtotal() is None
    assert shown.buyable == ()
