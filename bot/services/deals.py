"""Deals: products community admins post, the shoppers each brings (first touch, once per
shopper and deal), the orders attributed to it, and the ledger of what each admin's deals
brought (opens, carts, orders, paid value, commission).

A deal's link is https://t.me/<bot>?start=d_<code>: a code of CODE_LENGTH characters of
[A-Za-z0-9], well inside Telegram's 64-character payload. An order is attributed at checkout
to the latest deal the shopper came through whose product it contains.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.db import inserted, utcnow
from integrations.money import Money

CODE_LENGTH = 10
ALPHABET = string.ascii_letters + string.digits
CODE_RE = rf"^d_(?P<code>[A-Za-z0-9]{{{CODE_LENGTH}}})$"
MAX_COMMENT = 500  # characters of an admin's comment kept (a caption holds 1,024)
REPEAT_WINDOW = timedelta(hours=24)  # the same product again in one community: refused


class DealError(ValueError):
    """A deal that cannot be posted; `reason`: recent (the product posted there lately),
    inactive (the bot is no longer there), placed (posted already)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


async def create(
    session: AsyncSession, community_id: int | None, admin_id: int, product_id: int, comment: str
) -> models.Deal:
    """A new deal of `product_id` in the community (its admin checked by the caller), or a
    draft to place later (`assign`, an admin's private chat) when `community_id` is None."""
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        comment = comment[: MAX_COMMENT - 1] + "…"
    deal = models.Deal(
        code=new_code(), community_id=None, admin_id=admin_id, product_id=product_id,
        comment=comment, created_at=utcnow(),
    )  # fmt: skip
    session.add(deal)
    await session.flush()
    if community_id is not None:
        await assign(session, deal.id, admin_id, community_id)
    return deal


async def assign(session: AsyncSession, deal_id: int, admin_id: int, community_id: int) -> None:
    """Place a deal in a community; refused (DealError) when it is placed already, or when
    the same product was posted there within REPEAT_WINDOW."""
    community = await session.get(models.Community, community_id, with_for_update=True)
    if community is None or not community.active:
        raise DealError("inactive")
    deal = await session.get(models.Deal, deal_id, with_for_update=True)
    if deal is None or deal.admin_id != admin_id or deal.community_id is not None:
        raise DealError("placed")
    recent = await session.scalar(
        select(models.Deal.id).where(
            models.Deal.community_id == community_id,
            models.Deal.product_id == deal.product_id,
            models.Deal.created_at > utcnow() - REPEAT_WINDOW,
        )
    )
    if recent is not None:
        raise DealError("recent")
    deal.community_id = community_id


async def get(session: AsyncSession, deal_id: int) -> models.Deal | None:
    return await session.get(models.Deal, deal_id)


async def posted(session: AsyncSession, deal_id: int, message_id: int) -> None:
    await session.execute(
        update(models.Deal).where(models.Deal.id == deal_id).values(message_id=message_id)
    )


async def discard(session: AsyncSession, deal_id: int) -> None:
    """A deal that could not be posted after all: gone, so the product may be posted again."""
    await session.execute(delete(models.Deal).where(models.Deal.id == deal_id))


async def by_code(session: AsyncSession, code: str) -> models.Deal | None:
    return await session.scalar(select(models.Deal).where(models.Deal.code == code))


async def touch(session: AsyncSession, deal: models.Deal, user_id: int) -> bool:
    """`user_id` opened the deal's link: recorded the first time only; True then."""
    values = {"deal_id": deal.id, "user_id": user_id, "at": utcnow()}
    return await inserted(session, models.DealTouch.__table__, values)


async def carted(session: AsyncSession, user_id: int, product_id: int) -> None:
    """The shopper put a product in the cart: the deals that brought them to it count a cart."""
    deal_ids = select(models.Deal.id).where(models.Deal.product_id == product_id)
    await session.execute(
        update(models.DealTouch)
        .where(
            models.DealTouch.user_id == user_id,
            models.DealTouch.carted_at.is_(None),
            models.DealTouch.deal_id.in_(deal_ids),
        )
        .values(carted_at=utcnow())
    )


async def attribution(session: AsyncSession, user_id: int, product_ids: list[int]) -> int | None:
    """The deal an order of these products is credited to: the latest the shopper came
    through for one of them."""
    if not product_ids:
        return None
    found = await session.scalar(
        select(models.Deal.id)
        .join(models.DealTouch, models.DealTouch.deal_id == models.Deal.id)
        .where(models.DealTouch.user_id == user_id, models.Deal.product_id.in_(product_ids))
        .order_by(models.DealTouch.at.desc(), models.DealTouch.id.desc())
        .limit(1)
    )
    return found


@dataclass(frozen=True, slots=True)
class Credit:
    """What one admin's deals in one community brought over a period."""

    admin_id: int
    community_id: int
    community: str
    deals: int
    opens: int
    carts: int
    orders: int
    paid: tuple[Money, ...]  # one sum per currency, refunds deducted
    commission: tuple[Money, ...]


@dataclass
class _Tally:
    community: str = ""
    deals: int = 0
    opens: int = 0
    carts: int = 0
    orders: int = 0
    paid: list[Money] = field(default_factory=list)


async def ledger(
    session: AsyncSession,
    commission_percent: Decimal,
    *,
    admin_id: int | None = None,
    since: datetime | None = None,
) -> list[Credit]:
    """Per admin and community: deals posted, opens (first touches), carts, orders paid and
    their value, and the commission at `commission_percent` of what was paid (refunds
    deducted). `since` counts what happened since then (deals posted, links opened, orders
    paid)."""
    d, t, o, c = models.Deal, models.DealTouch, models.Order, models.Community
    start = since or datetime(1970, 1, 1, tzinfo=UTC)
    where = [d.community_id.is_not(None), *([] if admin_id is None else [d.admin_id == admin_id])]
    tallies: dict[tuple[int, int | None], _Tally] = {}  # (no None: drafts are left out)
    posted = await session.execute(
        select(d.admin_id, d.community_id, c.title, func.count(d.id))
        .join(c, c.chat_id == d.community_id)
        .where(d.created_at >= start, *where)
        .group_by(d.admin_id, d.community_id, c.title)
    )
    for admin, community_id, title, count in posted.all():
        tallies[(admin, community_id)] = _Tally(title or "", deals=count)
    touched = await session.execute(
        select(d.admin_id, d.community_id, func.count(t.id), func.count(t.carted_at))
        .join(t, t.deal_id == d.id)
        .where(t.at >= start, *where)
        .group_by(d.admin_id, d.community_id)
    )
    for admin, community_id, opens, carts in touched.all():
        tally = tallies.setdefault((admin, community_id), _Tally())
        tally.opens, tally.carts = opens, carts
    paid = await session.execute(
        select(d.admin_id, d.community_id, o.currency, func.count(o.id),
               func.sum(o.paid_minor - o.refunded_minor))
        .join(o, o.deal_id == d.id)
        .where(o.paid_minor > 0, o.paid_at >= start, *where)
        .group_by(d.admin_id, d.community_id, o.currency)
        .order_by(o.currency)
    )  # fmt: skip
    for admin, community_id, currency, orders, minor in paid.all():
        tally = tallies.setdefault((admin, community_id), _Tally())
        tally.orders += orders
        tally.paid.append(Money.of_minor(int(minor or 0), currency))
    titles = await _titles(session, [k[1] or 0 for k, v in tallies.items() if not v.community])
    return [
        Credit(admin, community_id or 0, x.community or titles.get(community_id or 0, ""), x.deals,
               x.opens, x.carts, x.orders, tuple(x.paid),
               tuple(_share(m, commission_percent) for m in x.paid))
        for (admin, community_id), x in sorted(tallies.items())
    ]  # fmt: skip


def _share(paid: Money, percent: Decimal) -> Money:
    share = (Decimal(paid.minor()) * percent / 100).to_integral_value()
    return Money.of_minor(int(share), paid.currency)


async def _titles(session: AsyncSession, chat_ids: list[int]) -> dict[int, str]:
    if not chat_ids:
        return {}
    found = await session.execute(
        select(models.Community.chat_id, models.Community.title).where(
            models.Community.chat_id.in_(chat_ids)
        )
    )
    return dict(found.all())
