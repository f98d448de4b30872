"""Orders: created from a cart and its quote, moved only along the state table, each step kept
in the order's timeline.

An order freezes what the shopper accepted (lines, unit prices, the quote, the charge) so later
catalog changes never alter what was paid for. Every state change goes through `move`, which
checks bot/services/order_states.py and writes the timeline row in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot import models
from bot.db import utcnow
from bot.services.cart import Item, price_now, still_for_sale
from bot.services.order_states import PAID_STATES, OrderStatus, check
from integrations.money import Money

S = OrderStatus
MAX_ID = 2**63 - 1


class OrderError(ValueError):
    """Not an order of this shopper's, or not in a state that allows what was asked."""


@dataclass(frozen=True, slots=True)
class Summary:
    id: int
    status: str
    total: Money
    created_at: datetime
    lines: int


async def create(
    session: AsyncSession,
    *,
    user_id: int,
    items: Sequence[Item],
    quote: dict[str, Any],
    charge: Money,
    country: str,
    shipping_line: str,
    language: str,
    provider: str,
    expires_at: datetime,
) -> models.Order:
    """A new order waiting for payment, with the buyable `items` frozen into its lines."""
    now = utcnow()
    order = models.Order(
        user_id=user_id, status=S.PENDING_PAYMENT, currency=charge.currency,
        total_minor=charge.minor(), quote=quote, country=country, shipping_line=shipping_line,
        language=language, provider=provider, paid_minor=0, refunded_minor=0,
        created_at=now, updated_at=now, expires_at=expires_at,
    )  # fmt: skip
    for item in items:
        assert item.unit is not None
        order.lines.append(
            models.OrderLine(
                product_id=item.product_id, sku_id=item.sku_id, marketplace=item.marketplace,
                external_id=item.external_id, title=item.title, variant=item.variant,
                url=item.url, quantity=item.quantity, unit_price_minor=item.unit.minor(),
                currency=item.unit.currency,
            )
        )  # fmt: skip
    session.add(order)
    await session.flush()
    await _event(session, order, "created", {"total_minor": order.total_minor})
    return order


async def locked(session: AsyncSession, order_id: int) -> models.Order | None:
    """The order, locked against concurrent changes until the transaction ends (PostgreSQL's
    row lock; SQLite's writers already take turns, bot/db.py)."""
    if not 0 < order_id <= MAX_ID:
        return None
    found = await session.execute(
        select(models.Order).where(models.Order.id == order_id).with_for_update()
    )
    return found.scalar_one_or_none()


async def move(
    session: AsyncSession,
    order: models.Order,
    target: OrderStatus,
    kind: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Move `order` to `target` (IllegalTransition if the table has no such edge)."""
    order.status = check(order.id, order.status, target)
    order.updated_at = utcnow()
    await _event(session, order, kind, detail)


async def note(
    session: AsyncSession, order: models.Order, kind: str, detail: dict[str, Any] | None = None
) -> None:
    """A timeline entry that leaves the state as it is."""
    await _event(session, order, kind, detail)


async def _event(
    session: AsyncSession, order: models.Order, kind: str, detail: dict[str, Any] | None
) -> None:
    session.add(
        models.OrderEvent(order_id=order.id, status=order.status, kind=kind, detail=detail or {})
    )
    await session.flush()


async def attach_checkout(
    session: AsyncSession, order_id: int, checkout_id: str, url: str, expires_at: datetime
) -> None:
    await session.execute(
        update(models.Order)
        .where(models.Order.id == order_id)
        .values(checkout_id=checkout_id, checkout_url=url, expires_at=expires_at)
    )


async def start_refund(
    session: AsyncSession,
    order: models.Order,
    amount_minor: int,
    reason: str,
    *,
    whole_order: bool = True,
) -> models.Refund:
    """Ask for a refund of `amount_minor` (the charge currency): the order goes to
    refund_pending and a Refund row waits to be sent to the provider (payments.send_refund)."""
    if not order.paid_minor:
        raise OrderError(f"order {order.id} was never paid")
    if not 0 < amount_minor <= order.paid_minor - order.refunded_minor:
        raise OrderError(f"order {order.id}: nothing left to refund")
    if whole_order and order.status != S.REFUND_PENDING:
        await move(session, order, S.REFUND_PENDING, "refund_requested", {"reason": reason})
    elif not whole_order:
        await note(
            session, order, "refund_requested", {"reason": reason, "amount_minor": amount_minor}
        )
    refund = models.Refund(
        order_id=order.id, idempotency_key=f"refund-{order.id}-{reason}-{amount_minor}",
        amount_minor=amount_minor, currency=order.currency, reason=reason, status="requested",
        error="",
    )  # fmt: skip
    session.add(refund)
    await session.flush()
    return refund


async def refunds_done(session: AsyncSession, order_id: int) -> None:
    """The provider reports the order refunded: requested refunds are done."""
    await session.execute(
        update(models.Refund)
        .where(models.Refund.order_id == order_id, models.Refund.status.in_(("requested", "sent")))
        .values(status="done")
    )


async def sku_quantities(session: AsyncSession, order_id: int) -> dict[int, int]:
    found = await session.execute(
        select(models.OrderLine.sku_id, models.OrderLine.quantity).where(
            models.OrderLine.order_id == order_id
        )
    )
    return {sku: quantity for sku, quantity in found.all() if sku is not None}


async def of_user(session: AsyncSession, user_id: int, limit: int = 10) -> list[Summary]:
    """The shopper's latest orders, newest first."""
    found = await session.execute(
        select(models.Order)
        .where(models.Order.user_id == user_id)
        .order_by(models.Order.created_at.desc(), models.Order.id.desc())
        .limit(limit)
        .options(selectinload(models.Order.lines))
    )
    return [
        Summary(o.id, o.status, Money.of_minor(o.total_minor, o.currency), o.created_at,
                sum(line.quantity for line in o.lines))
        for o in found.scalars()
    ]  # fmt: skip


async def get(session: AsyncSession, order_id: int, user_id: int | None = None) -> models.Order:
    """The order with its lines (OrderError if there is none, or not `user_id`'s)."""
    order = (
        await session.get(models.Order, order_id, options=[selectinload(models.Order.lines)])
        if 0 < order_id <= MAX_ID
        else None
    )
    if order is None or (user_id is not None and order.user_id != user_id):
        raise OrderError(f"no order {order_id}")
    return order


async def timeline(session: AsyncSession, order_id: int) -> list[models.OrderEvent]:
    found = await session.execute(
        select(models.OrderEvent)
        .where(models.OrderEvent.order_id == order_id)
        .order_by(models.OrderEvent.at, models.OrderEvent.id)
    )
    return list(found.scalars())


@dataclass(frozen=True, slots=True)
class Review:
    """A paid order against the catalog now: "ok", "unavailable" (a variant can no longer be
    bought) or "price_rose" (beyond the tolerance; `difference` in the charge currency)."""

    outcome: str
    difference: Money | None = None


async def review(session: AsyncSession, order: models.Order, tolerance_percent: int) -> Review:
    """Compare what was paid for with what the marketplace asks now (refresh the catalog
    first: bot/process/live.py)."""
    skus = [line.sku_id for line in order.lines]
    if not await still_for_sale(session, skus):
        return Review("unavailable")
    found = await session.execute(
        select(models.Sku).where(models.Sku.id.in_([s for s in skus if s is not None]))
        .options(selectinload(models.Sku.offer))
    )  # fmt: skip
    now = {sku.id: price_now(sku, utcnow()) for sku in found.scalars()}
    paid = sum(line.unit_price_minor * line.quantity for line in order.lines)
    current = 0
    for line in order.lines:
        price = now.get(line.sku_id) if line.sku_id is not None else None
        if price is None or price.currency != line.currency:
            return Review("unavailable")
        current += price.minor() * line.quantity
    if paid <= 0 or (current - paid) * 100 <= paid * tolerance_percent:
        return Review("ok")
    total_cny = Money.of_minor(paid, order.lines[0].currency).amount
    total_cny = Decimal(order.quote["total"]["amount"]) if "total" in order.quote else total_cny
    rise = Money.of_minor(current - paid, order.lines[0].currency).amount
    charge = Money.of_minor(order.total_minor, order.currency)
    return Review("price_rose", Money(charge.amount * rise / total_cny, order.currency).rounded())


async def overdue(session: AsyncSession, before: datetime, limit: int = 100) -> list[int]:
    """Orders still waiting for a payment whose page closed before `before`."""
    found = await session.execute(
        select(models.Order.id)
        .where(models.Order.status == S.PENDING_PAYMENT, models.Order.expires_at < before)
        .order_by(models.Order.id)
        .limit(limit)
    )
    return list(found.scalars())


def refundable(order: models.Order) -> bool:
    return order.status in PAID_STATES and order.paid_minor > order.refunded_minor
