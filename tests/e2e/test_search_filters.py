"""Narrowing results in chat: price range, store, in stock; the page's thumbnail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from bot.process.deps import Deps
from bot.services import catalog, fx
from integrations.fx.ecb import Rates
from integrations.types import Availability, Offer, Product, Sku
from tests.e2e.harness import Shopper

CASES = [  # (store, id, price in CNY, in stock)
    ("taobao", "t1", "19.90", True),
    ("taobao", "t2", "120.00", True),
    ("jd", "j1", "45.00", False),
    ("jd", "j2", "260.00", True),
    ("pinduoduo", "p1", "9.90", True),
]


def case(store: str, ext: str, price: str, in_stock: bool) -> Product:
    availability = Availability.IN_STOCK if in_stock else Availability.OUT_OF_STOCK
    sku = Sku(f"{ext}-a", Offer(Decimal(price), "CNY"), availability=availability)
    return Product(
        store, ext, f"手机壳 {ext} 硅胶防摔", (sku,),
        url=f"https://{store}.example.cn/{ext}", image_url=f"https://img.example.cn/{ext}.jpg",
    )  # fmt: skip


@pytest.fixture
async def cases(deps: Deps) -> None:
    async with deps.sessions.begin() as s:
        await catalog.upsert(s, [case(*row) for row in CASES])
        await fx.store(s, Rates(date(2026, 11, 25), {"EUR": Decimal(1), "CNY": Decimal("8.2"),
                                                     "USD": Decimal("1.16")}))  # fmt: skip


def listed(message_text: str) -> list[str]:
    """The product ids on a results page, top to bottom."""
    return [word for line in message_text.splitlines() for word in line.split() if word[1:].isdigit()
            and word[0] in "tjp"]  # fmt: skip


async def test_price_range_and_store_narrow_the_results(
    shopper: Callable[..., Shopper], cases: None
) -> None:
    ann = shopper("en")
    (results,) = await ann.send("手机壳")
    assert results.text.startswith("5 products found")
    await ann.press("Price ▾")
    labels = [b.text for b in ann.last.all_buttons]
    assert labels[:2] == ["✓ Any price", "under CN¥50 (≈ $7)"]
    assert "CN¥50–200 (≈ $7–28)" in labels and "« Back" in labels
    assert ann.last.text == results.text  # only the buttons changed
    await ann.press("under CN¥50 (≈ $7)")
    assert ann.last.text.startswith("3 products found")
    assert "Filters: under CN¥50 (≈ $7)" in ann.last.text
    assert sorted(listed(ann.last.text)) == ["j1", "p1", "t1"]
    await ann.press("Store ▾")
    stores = [b.text for b in ann.last.all_buttons]
    assert stores[0] == "✓ Any store" and {"Taobao / Tmall", "JD.com", "Pinduoduo"} <= set(stores)
    await ann.press("JD.com")
    assert listed(ann.last.text) == ["j1"] and "Filters: JD.com · under CN¥50" in ann.last.text
    await ann.press("In stock only")
    assert ann.last.text.startswith("Nothing matches “手机壳” with these filters.")
    await ann.press("Clear filters")  # keeps "in stock only": that has its own toggle
    assert sorted(listed(ann.last.text)) == ["j2", "p1", "t1", "t2"]
    assert ann.last.message_id == results.message_id  # one message, edited throughout


async def test_each_page_shows_its_first_products_picture(
    shopper: Callable[..., Shopper], cases: None
) -> None:
    (results,) = await shopper("en").send("手机壳")
    preview = results.link_preview
    assert preview is not None and preview["prefer_small_media"] is True
    assert preview["url"] == f"https://img.example.cn/{listed(results.text)[0]}.jpg"


async def test_old_and_forged_filter_buttons(shopper: Callable[..., Shopper], cases: None) -> None:
    ann = shopper("en")
    await ann.send("手机壳")
    await ann.press_data("sr:0:p:0", check=False)  # before store and price existed
    assert listed(ann.last.text)[0] == "p1"  # cheapest first
    answer = await ann.press_data("sr:0:p:0:-:9", check=False)  # no such price range
    assert answer.text == "This button is no longer valid."
    await ann.press_data("sr:0:r:0:nosuchstore:0", check=False)
    assert ann.last.text.startswith("Nothing matches")
    answer = await ann.press_data("sf:x:0:r:0:-:0", check=False)
    assert answer.text == "This button is no longer valid."  # the catch-all stale button
