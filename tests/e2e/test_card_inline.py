"""Variant buttons on the product card, and inline mode."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select
from telegram import Update

from bot.models import Product as ProductRow
from bot.playground.botapi.server import LocalBotApi
from bot.process.deps import Deps
from bot.services import catalog
from bot.telegram.app import ShopbotApplication
from integrations.types import Availability, Offer, Product, Sku
from tests.e2e.harness import Shopper


async def store(deps: Deps, *products: Product) -> dict[str, int]:
    async with deps.sessions.begin() as s:
        await catalog.upsert(s, list(products))
    async with deps.sessions() as s:
        return dict((await s.execute(select(ProductRow.external_id, ProductRow.id))).all())


def hoodie() -> Product:
    skus = (
        Sku("h-red-m", Offer(Decimal("89.00"), "CNY"), attributes={"color": "红色", "size": "M"}),
        Sku("h-red-l", Offer(Decimal("92.00"), "CNY"), attributes={"color": "红色", "size": "L"}),
        Sku("h-grey-m", Offer(Decimal("89.00"), "CNY"), availability=Availability.OUT_OF_STOCK,
            attributes={"color": "灰色", "size": "M"}),
    )  # fmt: skip
    return Product("demo", "h", "加绒卫衣女冬季宽松连帽上衣", skus, url="https://shop.example.cn/h")


async def test_variant_buttons_show_each_variants_price_and_stock(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    ids = await store(deps, hoodie())
    ann = shopper("en")
    (card,) = await ann.send(f"/start p_{ids['h']}")
    assert "CN¥89.00 – CN¥92.00" in card.text and "3 variants" in card.text
    assert [b.text for b in card.all_buttons[:3]] == ["红色 / M", "红色 / L", "灰色 / M"]
    await ann.press("红色 / L", card)
    assert "CN¥92.00" in ann.last.text and "CN¥89.00" not in ann.last.text
    assert "✓ 红色 / L" in ann.last.text and ann.last.message_id == card.message_id
    await ann.press("灰色 / M")
    assert "Out of stock" in ann.last.text
    answer = await ann.press_data(f"sk:{ids['h']}:9", check=False)
    assert answer.text == "This product is no longer available."


async def test_inline_mode_offers_shareable_cards(
    botapi: LocalBotApi, app: ShopbotApplication, deps: Deps
) -> None:
    many = [
        Product(
            "demo", f"c{i}", f"透明手机壳 款式{i}", (Sku(f"c{i}", Offer(Decimal("9.90"), "CNY")),)
        )
        for i in range(60)
    ]
    ids = await store(deps, *many)
    user = botapi.user(4242, language_code="en")
    for text in ("phone case", ""):
        update = botapi.make_inline_query_update(user, text)
        await app.process_update(Update.de_json(update, app.bot))
    answer, empty = botapi.inline_answers[-2:]
    assert len(answer.results) == 50  # Telegram's maximum
    first = answer.results[0]
    assert int(first["id"]) in ids.values()
    button = first["reply_markup"]["inline_keyboard"][0][0]
    assert button["url"].startswith(f"https://t.me/{app.bot.username}?start=p_")
    assert "CN¥9.90" in first["description"]
    assert empty.results == []
