"""Watches: a shopper waiting for a product's price to drop or for it to be back in stock.

A price watch remembers the product's price when it was set (and an optional target): it fires
once the product costs less than that (at most the target). A stock watch fires once the product
can be bought again. `fire_due` runs after every sync and every minute (in one process of many):
each watch that came true queues one alert through the outbox and is marked fired, in one
transaction, so a watch fires once however often it is checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.db import utcnow
from bot.services import alerts

KINDS = ("price", "stock")
MAX_WATCHES = 100  # per shopper


class WatchError(ValueError):
    """A watch that cannot be set (`reason`: gone, in_stock, too_many, target)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def add(
    session: AsyncSession, user_id: int, product_id: int, kind: str, target_minor: int | None = None
) -> models.Watch:
    """Watch `product_id` for `user_id` (again: the watch is re-armed at today's price)."""
    product = await session.get(models.Product, product_id)
    if kind not in KINDS or product is None or product.price_minor is None:
        raise WatchError("gone")
    if kind == "stock" and product.available and product.in_stock:
        raise WatchError("in_stock")
    if target_minor is not None and not 0 < target_minor < product.price_minor:
        raise WatchError("target")
    watch = await session.scalar(
        select(models.Watch).where(
            models.Watch.user_id == user_id,
            models.Watch.product_id == product_id,
            models.Watch.kind == kind,
        )
    )
    if watch is None:
        count = len(await of_user(session, user_id))
        if count >= MAX_WATCHES:
            raise WatchError("too_many")
        watch = models.Watch(user_id=user_id, product_id=product_id, kind=kind)
        session.add(watch)
    watch.currency = product.price_currency or "CNY"
    watch.base_minor, watch.target_minor = product.price_minor, target_minor
    watch.created_at, watch.fired_at = utcnow(), None
    await session.flush()
    return watch


async def remove(session: AsyncSession, user_id: int, watch_id: int) -> bool:
    done = await session.execute(
        delete(models.Watch)
        .where(models.Watch.id == watch_id, models.Watch.user_id == user_id)
        .returning(models.Watch.id)
    )
    return done.first() is not None


@dataclass(frozen=True, slots=True)
class Watched:
    id: int
    product_id: int
    title: str
    kind: str
    currency: str
    base_minor: int | None
    target_minor: int | None
    fired: bool


async def of_user(session: AsyncSession, user_id: int) -> list[Watched]:
    """The shopper's watches, the latest first."""
    w, p = models.Watch, models.Product
    found = await session.execute(
        select(w, p.title)
        .join(p, p.id == w.product_id)
        .where(w.user_id == user_id)
        .order_by(w.created_at.desc(), w.id.desc())
    )
    return [
        Watched(x.id, x.product_id, title, x.kind, x.currency, x.base_minor, x.target_minor,
                x.fired_at is not None)
        for x, title in found.all()
    ]  # fmt: skip


async def fire_due(session: AsyncSession, limit: int = 500) -> int:
    """Fire the watches that came true (an alert each, once); how many fired."""
    w, p = models.Watch, models.Product
    cheaper = (
        (w.kind == "price")
        & (p.price_minor < w.base_minor)
        & (w.target_minor.is_(None) | (p.price_minor <= w.target_minor))
    )
    back = (w.kind == "stock") & p.available.is_(True) & p.in_stock.is_(True)
    found = await session.execute(
        select(w.id, w.user_id, w.kind, w.product_id, w.base_minor, w.created_at, p.price_minor,
               p.title, p.price_currency)
        .join(p, p.id == w.product_id)
        .where(w.fired_at.is_(None), p.available.is_(True), or_(cheaper, back))
        .order_by(w.id)
        .limit(limit)
        .with_for_update(of=w, skip_locked=True)
    )  # fmt: skip
    rows = found.all()
    if not rows:
        return 0
    await session.execute(update(w).where(w.id.in_([r.id for r in rows])).values(fired_at=utcnow()))
    await alerts.queue(session, [
        alerts.row(
            f"watch:{r.id}:{r.created_at.timestamp():.0f}", r.user_id, f"watch_{r.kind}",
            {"product_id": r.product_id, "title": r.title[:200], "was_minor": r.base_minor,
             "price_minor": r.price_minor, "currency": r.price_currency or "CNY"},
        )
        for r in rows
    ])  # fmt: skip
    return len(rows)
