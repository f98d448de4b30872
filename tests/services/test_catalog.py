from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from bot import demo
from bot.models import Offer, PriceChange, Product, Sku
from bot.process.deps import Deps
from bot.services import catalog
from integrations import types

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def product(price: str = "39.90", promo: str | None = None, title: str = "手机壳") -> types.Product:
    promotion = (
        types.Promotion(Decimal(promo), "CNY", NOW, NOW + timedelta(days=3)) if promo else None
    )
    skus = (
        types.Sku(
            "red", types.Offer(Decimal(price), "CNY", promotion), attributes={"color": "红色"}
        ),
        types.Sku("blue", types.Offer(Decimal("41.00"), "CNY"), stock=3),
    )
    return types.Product("taobao", "100", title, skus, category="数码配件 > 手机壳")


async def _count(deps: Deps, model: type) -> int:
    async with deps.sessions() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_upsert_creates_then_skips_unchanged(deps: Deps) -> None:
    async with deps.sessions.begin() as s:
        first = await catalog.upsert(s, [product()], NOW)
    async with deps.sessions.begin() as s:
        again = await catalog.upsert(s, [product()], NOW + timedelta(hours=1))
    assert (first.created, first.updated, first.unchanged) == (1, 0, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert await _count(deps, Sku) == 2 and await _count(deps, Offer) == 2
    assert await _count(deps, PriceChange) == 0


async def test_price_and_promotion_changes_write_history(deps: Deps) -> None:
    async with deps.sessions.begin() as s:
        await catalog.upsert(s, [product()], NOW)
    async with deps.sessions.begin() as s:
        counts = await catalog.upsert(s, [product("35.50", promo="29.90")], NOW)
    assert counts.updated == 1
    async with deps.sessions() as s:
        (change,) = (await s.execute(select(PriceChange))).scalars().all()
        offer = (
            await s.execute(select(Offer).join(Sku).where(Sku.external_id == "red"))
        ).scalar_one()
    assert (change.old_price_minor, change.new_price_minor) == (3990, 3550)
    assert (change.old_promo_price_minor, change.new_promo_price_minor) == (None, 2990)
    assert offer.promo_price_minor == 2990 and offer.promo_ends_at == NOW + timedelta(days=3)


async def test_title_change_updates_without_price_history(deps: Deps) -> None:
    async with deps.sessions.begin() as s:
        await catalog.upsert(s, [product()], NOW)
    async with deps.sessions.begin() as s:
        counts = await catalog.upsert(s, [product(title="新款手机壳")], NOW)
    assert counts.updated == 1 and await _count(deps, PriceChange) == 0
    async with deps.sessions() as s:
        assert (await s.execute(select(Product.title))).scalar_one() == "新款手机壳"


def test_minor_units_follow_the_currency() -> None:
    assert catalog.to_minor(Decimal("39.90"), "CNY") == 3990
    assert catalog.to_minor(Decimal("500"), "JPY") == 500
    assert catalog.from_minor(3990, "CNY") == Decimal("39.90")
    assert catalog.from_minor(500, "KRW") == Decimal("500")


async def test_demo_catalog_loads_once(deps: Deps) -> None:
    loaded = await demo.load(deps.sessions)
    assert 250 <= loaded <= 400
    assert await demo.load(deps.sessions) == 0
    assert await _count(deps, Product) == loaded
    assert await _count(deps, Sku) > loaded  # variants
