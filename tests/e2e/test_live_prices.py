"""The cart asks the marketplace before it shows prices, and says when it could not."""

from __future__ import annotations

from collections.abc import Callable

from bot.process.deps import Deps
from tests.e2e.harness import Shopper
from tests.integrations.fakes import taobao as fake_taobao


async def test_the_cart_shows_the_sellers_price_of_now(
    shopper: Callable[..., Shopper], taobao: fake_taobao.FakeTaobao, deps: Deps
) -> None:
    ann = shopper("en")
    (card,) = await ann.send("https://item.taobao.com/item.htm?id=123456")
    await ann.press("🛒 Add to cart", card)
    taobao.items["123456"]["zk_final_price"] = "34.90"  # the seller raised the price since
    (shown,) = await ann.send("/cart")
    assert "Price changed: was CN¥29.90, now CN¥34.90." in shown.text
    assert "checked with the sellers just now" in shown.text
    del taobao.items["123456"]  # and then took it down
    (shown,) = await ann.send("/cart")
    assert "No longer available" in shown.text


async def test_a_marketplace_that_does_not_answer_leaves_dated_prices(
    shopper: Callable[..., Shopper], taobao: fake_taobao.FakeTaobao, deps: Deps
) -> None:
    ann = shopper("en")
    (card,) = await ann.send("https://item.taobao.com/item.htm?id=123456")
    await ann.press("🛒 Add to cart", card)
    taobao.plan = ["500"] * 10  # down
    (shown,) = await ann.send("/cart")
    assert "Prices as of" in shown.text and "just now" not in shown.text
    assert "1 × ≈" in shown.text and "(CN¥29.90)" in shown.text
