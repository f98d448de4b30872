"""Digests: a community that opted in gets, daily or weekly, the best price drops and new
promotions in its categories since its last digest; a product shown there is not shown again
within REPEAT_DAYS, and a digest with nothing new is not posted (but still counts as done, so
the next one looks only at what came after).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.db import utcnow

EVERY = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
REPEAT_DAYS = 7
SIZE = 8  # products in one digest
FIRST_LOOK = timedelta(days=1)  # how far back a community's first digest looks


async def due(session: AsyncSession, now: datetime) -> list[models.Community]:
    """Active communities whose digest is due now."""
    c = models.Community
    found = await session.execute(
        select(c).where(c.active.is_(True), c.digest.in_(tuple(EVERY))).order_by(c.chat_id)
    )
    return [x for x in found.scalars() if x.last_digest_at is None
            or x.last_digest_at + EVERY[x.digest] <= now]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Pick:
    """A product for a digest: its price now and before (a drop), or a new promotion."""

    product_id: int
    title: str
    currency: str
    was_minor: int
    now_minor: int
    promotion: bool

    @property
    def drop_percent(self) -> int:
        return round(100 * (self.was_minor - self.now_minor) / self.was_minor)


async def picks(
    session: AsyncSession, community: models.Community, since: datetime, size: int = SIZE
) -> list[Pick]:
    """The biggest drops (by share of the price) since `since` of available products in the
    community's categories, not shown in its digests within REPEAT_DAYS."""
    pc, sku, p, item = models.PriceChange, models.Sku, models.Product, models.DigestItem
    now_price = func.coalesce(pc.new_promo_price_minor, pc.new_price_minor)
    was_price = func.coalesce(pc.old_promo_price_minor, pc.old_price_minor)
    shown = select(item.product_id).where(
        item.community_id == community.chat_id,
        item.posted_at > utcnow() - timedelta(days=REPEAT_DAYS),
    )
    query = (
        select(p.id, p.title, pc.currency, func.max(was_price), func.min(now_price),
               func.max(pc.new_promo_price_minor))
        .join(sku, sku.product_id == p.id)
        .join(pc, pc.sku_id == sku.id)
        .where(pc.changed_at > since, p.available.is_(True), p.in_stock.is_(True),
               p.id.not_in(shown), was_price.is_not(None), now_price < was_price)
        .group_by(p.id, p.title, pc.currency)
    )  # fmt: skip
    if community.categories:
        query = query.where(
            or_(*(p.category.startswith(category) for category in community.categories))
        )
    found = [
        Pick(pid, title, currency, int(was), int(now), promo is not None)
        for pid, title, currency, was, now, promo in (await session.execute(query)).all()
        if was and now is not None
    ]
    found.sort(key=lambda x: (-x.drop_percent, x.product_id))
    return found[:size]


async def done(session: AsyncSession, community_id: int, shown: list[Pick], at: datetime) -> None:
    """The community's digest of `at` is done: its products recorded (none twice a week)."""
    await session.execute(
        update(models.Community)
        .where(models.Community.chat_id == community_id)
        .values(last_digest_at=at)
    )
    if shown:
        await session.execute(
            insert(cast(Table, models.DigestItem.__table__)),
            [{"community_id": community_id, "product_id": x.product_id, "posted_at": at,
              "detail": {"was": x.was_minor, "now": x.now_minor}} for x in shown],
        )  # fmt: skip


def since(community: models.Community, now: datetime) -> datetime:
    return community.last_digest_at or now - FIRST_LOOK
