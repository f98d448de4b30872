"""Driver-level bulk inserts read back exactly as the ORM would have written them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.bulk import insert_rows
from bot.models import Product
from bot.process.deps import Deps
from bot.services.catalog import PRODUCTS

WHEN = datetime(2026, 11, 26, 15, 4, 5, 123456, tzinfo=timezone(timedelta(hours=8)))


def row(ext: str) -> dict[str, object]:
    return {
        "marketplace": "feed", "external_id": ext, "title": "标题 'quoted' \"x\"",
        "description": "", "url": None, "image_url": None, "category": "", "brand": "",
        "seller": "", "source": "s", "available": False, "content_hash": "h",
        "raw": {"a": [1, "二"], "b": None}, "created_at": WHEN, "updated_at": WHEN,
        "synced_at": WHEN,
    }  # fmt: skip


async def test_values_round_trip(deps: Deps) -> None:
    async with deps.sessions.begin() as s:
        await insert_rows(s, PRODUCTS, [row("1"), row("2")])
    async with deps.sessions() as s:
        products = (await s.execute(select(Product).order_by(Product.external_id))).scalars().all()
    assert [p.external_id for p in products] == ["1", "2"]
    p = products[0]
    assert p.created_at == WHEN and p.created_at.tzinfo is not None
    assert p.created_at.astimezone(UTC).hour == 7
    assert p.raw == {"a": [1, "二"], "b": None}
    assert p.available is False and p.url is None
    assert p.title == "标题 'quoted' \"x\""


async def test_rolls_back_with_the_session(deps: Deps) -> None:
    with pytest.raises(RuntimeError):
        async with deps.sessions.begin() as s:
            await insert_rows(s, PRODUCTS, [row("1")])
            raise RuntimeError("abort")
    async with deps.sessions() as s:
        assert (await s.execute(select(Product))).first() is None
