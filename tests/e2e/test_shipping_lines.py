"""Checkout's shipping lines: what each costs and takes, and why one cannot."""

from __future__ import annotations

from collections.abc import Callable

from bot.process.deps import Deps
from tests.e2e.harness import Shopper
from tests.support import product, store


async def test_a_power_bank_is_refused_by_lines_that_carry_no_batteries(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    ids = await store(deps, product("pb", "小米充电宝 20000毫安", "99.00"))
    ann = shopper("en")
    await ann.send("/settings")
    await ann.press("Country")
    await ann.press("Germany")
    (card,) = await ann.send(f"/start p_{ids['pb']}")
    await ann.press("🛒 Add to cart", card)
    (cart,) = await ann.send("/cart")
    await ann.press("✅ Check out", cart)
    shown = ann.last.text
    assert "China Post Registered Air Mail: cannot carry batteries" in shown
    offered = [b.callback_data for b in ann.last.all_buttons if b.callback_data]
    assert "cl:economy" not in offered
    assert any(line in offered for line in ("cl:standard", "cl:express"))


async def test_without_a_country_checkout_asks_for_one(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    ids = await store(deps, product("c", "手机壳", "19.00"))
    ann = shopper("en")
    (card,) = await ann.send(f"/start p_{ids['c']}")
    await ann.press("🛒 Add to cart", card)
    (cart,) = await ann.send("/cart")
    await ann.press("✅ Check out", cart)
    assert "Where should we ship to?" in ann.last.text
    await ann.press("Country", ann.last)
    assert any(b.text == "Germany" for b in ann.last.all_buttons)
