"""The cart as a shopper uses it: add from the card, change quantities, see price changes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select, update

from bot import models
from bot.process.deps import Deps
from integrations.types import Availability, Offer, Product, Sku
from tests.e2e.harness import Shopper
from tests.support import store


def earbuds() -> Product:
    skus = (
        Sku("e-white", Offer(Decimal("99.00"), "CNY"), attributes={"color": "白色"}),
        Sku("e-black", Offer(Decimal("109.00"), "CNY"), attributes={"color": "黑色"}),
        Sku("e-pink", Offer(Decimal("99.00"), "CNY"), availability=Availability.OUT_OF_STOCK,
            attributes={"color": "粉色"}),
    )  # fmt: skip
    return Product("demo", "e", "无线蓝牙耳机 <降噪>", skus, url="https://shop.example.cn/e")


async def test_a_variant_goes_into_the_cart_and_quantities_change(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    ids = await store(deps, earbuds())
    ann = shopper("en")
    (card,) = await ann.send(f"/start p_{ids['e']}")
    answer = await ann.press("🛒 Choose a variant to add it to the cart", card)
    assert answer.show_alert and "variant" in (answer.text or "")
    await ann.press("Black", card)  # 黑色, in the shopper's words
    answer = await ann.press("🛒 Add to cart", ann.last)
    assert "Added to the cart (1 in it)" in (answer.text or "")
    await ann.press("🛒 Add to cart", ann.last)
    (shown,) = await ann.send("/cart")
    assert "无线蓝牙耳机 &lt;降噪&gt;" not in shown.text  # the fake unescapes: the text is plain
    assert "无线蓝牙耳机 <降噪>" in shown.text and "(Colour: Black (黑色))" in shown.text
    assert "2 × ≈ $15.15 (CN¥109.00)" in shown.text  # the shopper's currency first
    assert "Goods: ≈ $30.29 (CN¥218.00)" in shown.text
    await ann.press("1. +", shown)
    assert "3 × ≈ $15.15 (CN¥109.00)" in ann.last.text and "(CN¥327.00)" in ann.last.text
    await ann.press("1. −", ann.last)
    await ann.press("1. ✕", ann.last)
    assert "Your cart is empty" in ann.last.text


async def test_a_price_change_and_a_vanished_variant_are_shown_not_hidden(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    ids = await store(deps, earbuds())
    ann = shopper("en")
    (card,) = await ann.send(f"/start p_{ids['e']}")
    await ann.press("White", card)
    await ann.press("🛒 Add to cart", ann.last)
    await ann.press("Black", ann.last)
    await ann.press("🛒 Add to cart", ann.last)
    async with deps.sessions.begin() as s:
        white = await s.scalar(select(models.Sku.id).where(models.Sku.external_id == "e-white"))
        black = await s.scalar(select(models.Sku.id).where(models.Sku.external_id == "e-black"))
        await s.execute(
            update(models.Offer).where(models.Offer.sku_id == white).values(price_minor=12900)
        )
        await s.execute(update(models.Sku).where(models.Sku.id == black).values(available=False))
    (shown,) = await ann.send("/cart")
    assert "Price changed: was CN¥99.00, now CN¥129.00." in shown.text
    assert "No longer available: left out of the total." in shown.text
    assert "Goods: ≈ $17.93 (CN¥129.00)" in shown.text


async def test_a_sold_out_variant_cannot_be_added(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    ids = await store(deps, earbuds())
    ann = shopper("en")
    (card,) = await ann.send(f"/start p_{ids['e']}")
    await ann.press("Pink", card)
    assert all("Add to cart" not in b.text for b in ann.last.all_buttons)
    async with deps.sessions() as s:
        pink = await s.scalar(select(models.Sku.id).where(models.Sku.external_id == "e-pink"))
    answer = await ann.press_data(f"ca:{pink}", ann.last, check=False)  # an old card's button
    assert answer.show_alert and "sold out" in (answer.text or "")
    (shown,) = await ann.send("/cart")
    assert "Your cart is empty" in shown.text
