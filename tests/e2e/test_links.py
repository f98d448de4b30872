"""Pasting marketplace links: live fetch through the adapter, stored, shown as a card."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bot.models import Product
from bot.process.deps import Deps
from tests.e2e.harness import Shopper
from tests.integrations.fakes import taobao as fake_taobao


async def test_taobao_link_shows_a_card_and_stores_the_product(
    shopper: Callable[..., Shopper], taobao: fake_taobao.FakeTaobao, deps: Deps
) -> None:
    ann = shopper("en")
    (card,) = await ann.send("look https://item.taobao.com/item.htm?spm=a21&id=123456 please")
    assert card.photo and card.photo.endswith("123456.jpg")
    assert card.caption and card.caption.startswith("适用苹果15手机壳")
    assert "Taobao / Tmall" in card.caption and "¥" in card.caption
    assert card.buttons[0][0].text == "🛒 Add to cart"
    assert card.buttons[1][0].text == "👀 Watch price"
    assert card.buttons[2][0].url and "123456" in card.buttons[2][0].url
    async with deps.sessions() as s:
        row = (await s.execute(select(Product))).scalar_one()
    assert (row.marketplace, row.external_id, row.source) == ("taobao", "123456", "link")


async def test_short_link_and_russian_card(
    shopper: Callable[..., Shopper], taobao: fake_taobao.FakeTaobao
) -> None:
    (card,) = await shopper("ru").send("https://m.tb.cn/h.5kQ0Wx2?tk=abc")
    assert card.caption and "Открыть" in card.buttons[2][0].text


async def test_hostile_titles_are_escaped(
    shopper: Callable[..., Shopper], taobao: fake_taobao.FakeTaobao
) -> None:
    taobao.items["123456"]["title"] = "<b>假货</b> & <script>alert(1)</script>" + "长" * 2000
    (card,) = await shopper().send("https://detail.tmall.com/item.htm?id=123456")
    assert card.caption is not None and card.caption.startswith("<b>假货</b> & <script>")
    assert len(card.caption) <= 1024


async def test_missing_item_and_unconfigured_marketplace(
    shopper: Callable[..., Shopper], taobao: fake_taobao.FakeTaobao
) -> None:
    ann = shopper()
    (gone,) = await ann.send("https://item.taobao.com/item.htm?id=999999")
    assert gone.text == "This product was not found on Taobao / Tmall. It may have been removed."
    (jd,) = await ann.send("https://item.jd.com/100012043978.html")
    assert jd.text.startswith("Links from JD.com can't be opened here yet")
    (zh,) = await shopper("zh-hans").send("https://item.jd.com/100012043978.html")
    assert "JD.com" in zh.text and zh.text != jd.text


async def test_provider_down_is_explained(
    shopper: Callable[..., Shopper], taobao: fake_taobao.FakeTaobao
) -> None:
    taobao.plan += ["500", "500", "500"]
    (reply,) = await shopper().send("https://item.taobao.com/item.htm?id=123456")
    assert (
        reply.text
        == "Taobao / Tmall is not answering right now. Please try again in a few minutes."
    )
