"""The category tree counts available products only, read from their partial index."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text, update

from bot.models import Product as ProductRow
from bot.process.deps import Deps
from bot.search.filters import Filters
from bot.services import catalog, categories, products
from integrations.types import Offer, Product, Sku


def shelved(ext: str, category: str) -> Product:
    sku = Sku(f"{ext}-a", Offer(Decimal("10"), "CNY"))
    return Product("demo", ext, f"商品 {ext}", (sku,), url="https://x.cn/", category=category)


async def test_products_no_longer_available_leave_the_counts(deps: Deps) -> None:
    async with deps.sessions.begin() as s:
        await catalog.upsert(
            s,
            [
                shelved("1", "家居 > 香氛"),
                shelved("2", "家居 > 香氛"),
                shelved("3", "家居 > 收纳"),
                shelved("4", "玩具 > 积木"),
            ],
        )
        await s.execute(
            update(ProductRow).where(ProductRow.external_id.in_(["2", "4"])).values(available=False)
        )
    async with deps.sessions() as s:
        tree = await categories.tree(s)
    assert [(n.path, n.count) for n in tree.top] == [("家居", 2)]
    assert [(n.path, n.count) for n in tree.top[0].children] == [
        ("家居 > 收纳", 1),
        ("家居 > 香氛", 1),
    ]


async def test_the_counts_are_read_from_the_partial_index_on_sqlite(deps: Deps) -> None:
    if deps.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's planner chooses by the table's statistics")
    counts = str(categories.COUNTS.compile(deps.engine, compile_kwargs={"literal_binds": True}))
    async with deps.sessions() as s:
        plan = " ".join(
            str(row[-1]) for row in await s.execute(text(f"EXPLAIN QUERY PLAN {counts}"))
        )
    assert "INDEX ix_products_available_category" in plan


async def test_a_category_whose_name_holds_a_bracket_can_be_browsed(deps: Deps) -> None:
    async with deps.sessions.begin() as s:
        await catalog.upsert(s, [shelved("1", "数码 > 耳机>无线"), shelved("2", "数码 > 耳机")])
    async with deps.sessions() as s:
        tree = await categories.tree(s)
        (top,) = tree.top
        assert [n.path for n in top.children] == ["数码 > 耳机", "数码 > 耳机>无线"]
        wireless = top.children[1]
        assert tree.find(wireless.key) is wireless and wireless.name == "耳机>无线"
        found = await products.search(s, "", filters=Filters(category=wireless.path))
    assert [hit.title for hit in found.hits] == ["商品 1"]
