"""/categories: the catalog's categories, their kinds, and a category paged like a search."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from bot.i18n import translator
from bot.process.deps import Deps
from bot.services import catalog
from integrations.types import Offer, Product, Sku
from tests.e2e.harness import Shopper

ITEMS = [  # (id, title, category, price)
    ("c1", "透明手机壳", "数码配件 > 手机壳", "19.90"),
    ("c2", "磨砂手机壳", "数码配件 > 手机壳", "9.90"),
    ("c3", "氮化镓充电器", "数码配件 > 充电器", "59.00"),
    ("d1", "碎花连衣裙", "女装 > 连衣裙", "129.00"),
    ("d2", "针织连衣裙", "女装 > 连衣裙", "99.00"),
    ("x1", "无分类商品", "", "1.00"),
]


@pytest.fixture
async def shelves(deps: Deps) -> None:
    products = [
        Product("taobao", ext, title, (Sku(f"{ext}-a", Offer(Decimal(price), "CNY")),),
                category=category)
        for ext, title, category, price in ITEMS
    ]  # fmt: skip
    async with deps.sessions.begin() as s:
        await catalog.upsert(s, products)


def titles_on(text: str) -> list[str]:
    """The products listed, in order (a Chinese-speaking shopper sees the titles as they are)."""
    lines = [line for line in text.splitlines() if line[:1].isdigit() and ". " in line]
    return [t for line in lines for _, t, _, _ in ITEMS if t in line]


_ = translator("zh_Hans").gettext


async def test_browse_a_category_then_a_kind_then_page_it(
    shopper: Callable[..., Shopper], shelves: None
) -> None:
    ann = shopper("zh-hans")
    (menu,) = await ann.send("/categories")
    tops = [b.text for b in menu.all_buttons]
    assert len(tops) == 2 and "数码配件" in tops[0] and tops[0].endswith("· 3")  # most first
    assert "女装" in tops[1] and tops[1].endswith("· 2")
    await ann.press(tops[0])
    kinds = [b.text for b in ann.last.all_buttons]
    assert kinds[0] == f"{_('All of it')} · 3" and kinds[-1] == _("« Back")
    assert any("手机壳" in k and k.endswith("· 2") for k in kinds)
    phone_cases = next(k for k in kinds if "手机壳" in k)
    await ann.press(phone_cases)
    assert ann.last.message_id == menu.message_id  # the menu became the results
    assert "手机壳" in ann.last.text.splitlines()[0]
    assert set(titles_on(ann.last.text)) == {"透明手机壳", "磨砂手机壳"}
    await ann.press(_("Cheapest"))
    assert titles_on(ann.last.text) == ["磨砂手机壳", "透明手机壳"]  # still the same kind
    await ann.press(_("Price") + " ▾")
    await ann.press("¥50–200")
    assert titles_on(ann.last.text) == [] and "手机壳" in ann.last.text
    await ann.press(_("Clear filters"))
    assert titles_on(ann.last.text) == ["磨砂手机壳", "透明手机壳"]


async def test_all_of_a_category_and_the_way_back(
    shopper: Callable[..., Shopper], shelves: None
) -> None:
    ann = shopper("zh-hans")
    (menu,) = await ann.send("/categories")
    await ann.press(menu.all_buttons[0].text)
    await ann.press(_("« Back"))
    assert [b.text for b in ann.last.all_buttons] == [b.text for b in menu.all_buttons]
    await ann.press(menu.all_buttons[0].text)
    await ann.press(f"{_('All of it')} · 3")
    assert set(titles_on(ann.last.text)) == {"透明手机壳", "磨砂手机壳", "氮化镓充电器"}


async def test_stale_category_buttons_get_a_polite_answer(
    shopper: Callable[..., Shopper], shelves: None
) -> None:
    ann = shopper("en")
    await ann.send("/categories")
    for forged in ("cg:deadbeef", "sr:0:r:0:-:0:deadbeef", "sf:p:0:r:0:-:0:deadbeef"):
        answer = await ann.press_data(forged, check=False)
        assert answer.text == "This button is no longer valid."


async def test_an_empty_catalog_says_so(shopper: Callable[..., Shopper]) -> None:
    (reply,) = await shopper("en").send("/categories")
    assert reply.text == "The catalog has no categories yet." and not reply.all_buttons
