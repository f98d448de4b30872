"""Orders: created from a cart and its quote, moved only along the state table, each step kept
in the order's timeline.

An order freezes what the shopper accepted (lines, unit prices, the quote, the charge) so later
catalog changes never alter what was paid for. Every state change goes through `move`, which
checks bot/services/order_states.py and writes the timeline row in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only, selectinload

from bot import models
from bot.db import one_of, utcnow
from bot.services import alerts
from bot.services.cart import Item
from bot.services.order_states import OrderStatus, check
from integrations.money import Money
from integrations.types import Availability

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
    deal_id: int | None = None,
) -> models.Order:
    """A new order waiting for payment, with the buyable `items` frozen into its lines;
    `deal_id` the community deal it is credited to."""
    now = utcnow()
    order = models.Order(
        user_id=user_id, status=S.PENDING_PAYMENT, currency=charge.currency,
        total_minor=charge.minor(), quote=quote, country=country, shipping_line=shipping_line,
        language=language, provider=provider, paid_minor=0, refunded_minor=0,
        created_at=now, updated_at=now, expires_at=expires_at, deal_id=deal_id,
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


async def locked_many(session: AsyncSession, order_ids: list[int]) -> dict[int, models.Order]:
    """Like `locked`, for several orders in one statement (locked in id order)."""
    ids = sorted(i for i in set(order_ids) if 0 < i <= MAX_ID)
    if not ids:
        return {}
    found = await session.execute(
        select(models.Order).where(one_of(session, models.Order.id, ids)).order_by(models.Order.id)
        .with_for_update()
        .options(load_only(*PAYMENT_COLUMNS, raiseload=True))
    )  # fmt: skip
    return {order.id: order for order in found.scalars()}


# What applying a payment event reads of an order: not its quote (JSON) nor its sealed personal
# data (decrypted on load), which it only ever writes.
PAYMENT_COLUMNS = tuple(
    getattr(models.Order, name)
    for name in ("id", "user_id", "status", "currency", "total_minor", "checkout_id",
                 "payment_ref", "paid_minor", "refunded_minor", "paid_at", "updated_at")
)  # fmt: skip


async def save(session: AsyncSession, changed: Iterable[models.Order]) -> None:
    """Write what changed of these orders with one executemany UPDATE per set of changed
    columns, then let the session forget them (its unit of work would write the same rows one
    object at a time, at a cost that dominated applying a batch of payments)."""
    table = cast(Table, models.Order.__table__)
    for keys, rows in _changes(session, changed).items():
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({k: bindparam(k) for k in keys}),
            rows,
        )


def _changes(
    session: AsyncSession, changed: Iterable[models.Order]
) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """The orders' changed columns, grouped by which changed; the session forgets them."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for order in changed:
        state = inspect(order)
        if state.session is not session.sync_session:
            continue  # forgotten already (saved earlier in this transaction)
        unmodified = state.unmodified  # (computed anew at each use)
        keys = tuple(k for k in state.dict if k in ORDER_COLUMNS and k not in unmodified)
        if keys:
            row = {"_id": order.id, **{k: state.dict[k] for k in keys}}
            groups.setdefault(keys, []).append(row)
        session.expunge(order)
    return groups


ORDER_COLUMNS = frozenset(c.key for c in models.Order.__table__.columns)


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
    row = {"order_id": order.id, "status": order.status, "kind": kind, "detail": detail or {},
           "at": utcnow()}  # fmt: skip
    batch = session.info.get(EVENTS)
    if isinstance(batch, list):
        batch.append(row)  # written with the others of the batch (see `write_events`)
    else:
        session.add(models.OrderEvent(**row))


async def alert(
    session: AsyncSession, order: models.Order, kind: str, params: dict[str, Any] | None = None
) -> None:
    """Queue the shopper's alert about `order` (keyed: told twice, queued once)."""
    row = alerts.row(
        f"order:{order.id}:{kind}", order.user_id, kind,
        {"order_id": order.id, "currency": order.currency, "total_minor": order.total_minor,
         **(params or {})},
    )  # fmt: skip
    await alerts.queue(session, [row])


EVENTS = "orders.events"  # session.info key: a list collecting timeline rows of a batch


async def write_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Timeline rows collected under EVENTS, in one executemany INSERT."""
    if rows:  # the table, not the entity: no ORM bookkeeping for rows nobody reads back
        await session.execute(insert(cast(Table, models.OrderEvent.__table__)), rows)


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
    bought) or "price_rose" (beyond the tolerance; see `difference`)."""

    outcome: str
    rise_minor: int = 0  # price_rose: how much more the goods cost now (their currency)


async def review_batch(
    session: AsyncSession, tolerance_percent: int, limit: int = 100
) -> dict[int, Review]:
    """Compare paid orders not yet reviewed with what the marketplace asks now (refresh the
    catalog first: `to_review` names the products), oldest first, and mark them reviewed.
    Three statements for the batch, whatever its size; orders another process is reviewing
    are skipped."""
    o, line = models.Order, models.OrderLine
    locked = await session.execute(
        select(o.id, o.currency, o.total_minor)
        .where(o.status == S.PAID, o.reviewed_at.is_(None))
        .order_by(o.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    charges = {row.id: Money.of_minor(row.total_minor, row.currency) for row in locked}
    if not charges:
        return {}
    sku, offer, product = models.Sku, models.Offer, models.Product
    lines = await session.execute(
        select(
            line.order_id, line.sku_id, line.currency, line.unit_price_minor, line.quantity,
            sku.available, sku.availability, product.available.label("listed"),
            offer.currency.label("offer_currency"), offer.price_minor, offer.promo_price_minor,
            offer.promo_starts_at, offer.promo_ends_at,
        )
        .outerjoin(sku, sku.id == line.sku_id)
        .outerjoin(product, product.id == sku.product_id)
        .outerjoin(offer, offer.sku_id == sku.id)
        .where(one_of(session, line.order_id, list(charges)))
    )  # fmt: skip
    paid: dict[int, int] = dict.fromkeys(charges, 0)
    now: dict[int, int | None] = dict.fromkeys(charges, 0)
    at = utcnow()
    for row in lines:
        paid[row.order_id] += row.unit_price_minor * row.quantity
        price = _price_of(row, at)
        current = now[row.order_id]
        now[row.order_id] = (
            None if price is None or current is None else current + price * row.quantity
        )
    await session.execute(
        update(o).where(one_of(session, o.id, list(charges))).values(reviewed_at=at)
    )
    return {
        order_id: _judge(paid[order_id], now[order_id], tolerance_percent) for order_id in charges
    }


def _price_of(row: Any, at: datetime) -> int | None:
    """A line's price per unit now, in minor units of its own currency; None when the variant
    can no longer be bought (gone, sold out, delisted, or priced in another currency)."""
    if (
        not row.available or not row.listed or row.price_minor is None
        or row.availability == Availability.OUT_OF_STOCK or row.offer_currency != row.currency
    ):  # fmt: skip
        return None
    promo = row.promo_price_minor
    running = (row.promo_starts_at is None or row.promo_starts_at <= at) and (
        row.promo_ends_at is None or at < row.promo_ends_at
    )
    return int(promo if promo is not None and running else row.price_minor)


def _judge(paid: int, now: int | None, tolerance_percent: int) -> Review:
    if now is None:
        return Review("unavailable")
    if paid <= 0 or (now - paid) * 100 <= paid * tolerance_percent:
        return Review("ok")
    return Review("price_rose", rise_minor=now - paid)


def difference(order: models.Order, rise_minor: int) -> Money:
    """What a rise of the goods (minor units of the goods' currency) costs in the charge
    currency, at the order's own ratio of charge to quoted total."""
    currency = order.lines[0].currency if order.lines else "CNY"
    total = Decimal(order.quote["total"]["amount"]) if "total" in order.quote else Decimal(0)
    if total <= 0:
        total = Money.of_minor(
            sum(x.unit_price_minor * x.quantity for x in order.lines), currency
        ).amount
    rise = Money.of_minor(rise_minor, currency).amount
    charge = Money.of_minor(order.total_minor, order.currency)
    return Money(charge.amount * rise / total, order.currency).rounded()


async def to_review(session: AsyncSession, limit: int = 100) -> set[tuple[str, str]]:
    """The products (marketplace, external id) of the paid orders `review_batch` will take."""
    oldest = (
        select(models.Order.id)
        .where(models.Order.status == S.PAID, models.Order.reviewed_at.is_(None))
        .order_by(models.Order.id)
        .limit(limit)
        .scalar_subquery()
    )
    found = await session.execute(
        select(models.OrderLine.marketplace, models.OrderLine.external_id).where(
            models.OrderLine.order_id.in_(oldest)
        )
    )
    return {(marketplace, external_id) for marketplace, external_id in found.all()}


async def overdue(session: AsyncSession, before: datetime, limit: int = 100) -> list[int]:
    """Orders still waiting for a payment whose page closed before `before`."""
    found = await session.execute(
        select(models.Order.id)
        .where(models.Order.status == S.PENDING_PAYMENT, models.Order.expires_at < before)
        .order_by(models.Order.id)
        .limit(limit)
    )
    return list(found.scalars())
