"""The operator's side of an order after payment: buy it at the seller, note the seller's
domestic tracking number, receive it at the warehouse, show the shopper the QC photos, pack
stored orders into a Parcel and ship it abroad with a tracking number.

Every step moves the order along the state table (bot/services/order_states.py, through
`orders.move`, which refuses any other edge) and queues the shopper's alert in the same
transaction. The caller (the bot's operator commands, the CLI) commits; the operator is named
in the timeline. The shopper answers the QC photos (approve: stored; return: a return is
requested and the operators see it in the list).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot import models
from bot.db import utcnow
from bot.services import orders, tracking
from bot.services.order_states import OrderStatus
from bot.services.orders import OrderError
from integrations.money import Money

S = OrderStatus
MAX_PHOTOS = 10  # a QC message shows at most this many photos (one media group)
MAX_REF = 128

# What each state waits for, in the operators' list (the order they work through).
WAITING = (S.PAID, S.PURCHASING, S.PURCHASED, S.SELLER_SHIPPED, S.WAREHOUSE_RECEIVED,
           S.RETURN_REQUESTED, S.STORED, S.IN_PARCEL)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Waiting:
    """An order waiting for an operator."""

    id: int
    status: str
    user_id: int
    total: Money
    items: int
    updated_at: datetime
    parcel_id: int | None


async def waiting(
    session: AsyncSession, statuses: tuple[str, ...] = WAITING, limit: int = 50
) -> list[Waiting]:
    """Orders waiting for an operator, by state (the order of `statuses`), oldest first."""
    found = await session.execute(
        select(models.Order)
        .where(models.Order.status.in_(statuses))
        .order_by(models.Order.updated_at, models.Order.id)
        .limit(limit)
        .options(selectinload(models.Order.lines))
    )
    rank = {status: i for i, status in enumerate(statuses)}
    rows = sorted(found.scalars(), key=lambda o: rank.get(o.status, len(rank)))
    return [
        Waiting(o.id, o.status, o.user_id, Money.of_minor(o.total_minor, o.currency),
                sum(line.quantity for line in o.lines), o.updated_at, o.parcel_id)
        for o in rows
    ]  # fmt: skip


async def _order(session: AsyncSession, order_id: int) -> models.Order:
    order = await orders.locked(session, order_id)
    if order is None:
        raise OrderError(f"no order {order_id}")
    return order


def _text(value: str, name: str, limit: int = MAX_REF) -> str:
    value = value.strip()
    if not value or len(value) > limit or any(c.isspace() for c in value):
        raise OrderError(f"{name}: one word of 1 to {limit} characters")
    return value


async def bought(
    session: AsyncSession, order_id: int, operator_id: int, marketplace_ref: str
) -> models.Order:
    """The order was bought at the seller under `marketplace_ref` (its order number there)."""
    ref = _text(marketplace_ref, "marketplace order number")
    order = await _order(session, order_id)
    if order.status == S.PAID:
        await orders.move(session, order, S.PURCHASING, "purchasing", {"operator": operator_id})
    await orders.move(session, order, S.PURCHASED, "purchased", {"operator": operator_id})
    session.add(models.Purchase(order_id=order.id, marketplace_ref=ref, operator_id=operator_id))
    await orders.alert(session, order, "purchased")
    return order


async def seller_shipped(
    session: AsyncSession, order_id: int, operator_id: int, number: str
) -> models.Order:
    """The seller sent it to the warehouse under the domestic tracking `number`."""
    domestic = _text(number, "tracking number", 64)
    order = await _order(session, order_id)
    await orders.move(session, order, S.SELLER_SHIPPED, "seller_shipped",
                      {"operator": operator_id, "number": domestic})  # fmt: skip
    purchase = await session.scalar(
        select(models.Purchase).where(models.Purchase.order_id == order.id)
    )
    if purchase is not None:
        purchase.seller_tracking, purchase.updated_at = domestic, utcnow()
    await orders.alert(session, order, "seller_shipped")
    return order


async def received(session: AsyncSession, order_id: int, operator_id: int) -> models.Order:
    """The goods arrived at the warehouse (QC photos follow with `qc`)."""
    order = await _order(session, order_id)
    await orders.move(session, order, S.WAREHOUSE_RECEIVED, "warehouse_received",
                      {"operator": operator_id})  # fmt: skip
    await orders.alert(session, order, "warehouse_received")
    return order


async def qc(
    session: AsyncSession, order_id: int, operator_id: int, photos: list[str]
) -> models.Order:
    """Send the shopper the QC `photos` (Telegram file ids or https addresses) to approve or
    return; an order not yet marked received is received first."""
    if not 1 <= len(photos) <= MAX_PHOTOS:
        raise OrderError(f"QC needs 1 to {MAX_PHOTOS} photos")
    order = await _order(session, order_id)
    if order.status == S.SELLER_SHIPPED:
        await orders.move(session, order, S.WAREHOUSE_RECEIVED, "warehouse_received",
                          {"operator": operator_id})  # fmt: skip
    await orders.move(session, order, S.QC_SENT, "qc_sent",
                      {"operator": operator_id, "photos": len(photos)})  # fmt: skip
    await orders.alert(session, order, "qc_photos", {"photos": photos})
    return order


async def qc_answer(
    session: AsyncSession, order_id: int, user_id: int, approve: bool
) -> models.Order:
    """The shopper's answer to the QC photos: approved goods are stored for shipping; a
    return is requested and waits for an operator."""
    order = await _order(session, order_id)
    if order.user_id != user_id:
        raise OrderError(f"no order {order_id}")
    if approve:
        await orders.move(session, order, S.QC_APPROVED, "qc_approved")
        await orders.move(session, order, S.STORED, "stored")
    else:
        await orders.move(session, order, S.RETURN_REQUESTED, "return_requested")
    return order


@dataclass(frozen=True, slots=True)
class Size:
    weight_grams: int
    length_cm: int
    width_cm: int
    height_cm: int

    def __post_init__(self) -> None:
        if not 1 <= self.weight_grams <= 70_000:
            raise OrderError("weight: 1 g to 70 kg")
        if not all(1 <= d <= 300 for d in (self.length_cm, self.width_cm, self.height_cm)):
            raise OrderError("each side: 1 to 300 cm")


async def pack(
    session: AsyncSession, order_ids: list[int], operator_id: int, size: Size
) -> models.Parcel:
    """Consolidate stored orders into one parcel (each moves to in_parcel)."""
    ids = sorted(set(order_ids))
    if not ids:
        raise OrderError("name the orders to pack")
    locked = await orders.locked_many(session, ids)
    missing = [i for i in ids if i not in locked]
    not_stored = [i for i in ids if i in locked and locked[i].status != S.STORED]
    if missing or not_stored:
        raise OrderError(f"not stored: {', '.join(f'#{i}' for i in missing + not_stored)}")
    parcel = models.Parcel(
        weight_grams=size.weight_grams, length_cm=size.length_cm, width_cm=size.width_cm,
        height_cm=size.height_cm, operator_id=operator_id,
    )  # fmt: skip
    session.add(parcel)
    await session.flush()
    for order in locked.values():
        await orders.move(session, order, S.IN_PARCEL, "packed",
                          {"operator": operator_id, "parcel": parcel.id})  # fmt: skip
        await orders.alert(session, order, "packed", {"parcel": parcel.id})
        order.parcel_id = parcel.id
    await orders.save(session, locked.values())
    return parcel


@dataclass(frozen=True, slots=True)
class Shipped:
    parcel: models.Parcel
    tracking: models.Tracking
    orders: list[int]


async def ship(
    session: AsyncSession,
    parcel_id: int,
    operator_id: int,
    number: str,
    carrier: str | None,
    provider: str | None,
) -> Shipped:
    """The parcel left with `carrier` under `number`: its orders are shipped, their shoppers
    follow the number (alerts as it moves), and the number is tracked with `provider`."""
    parcel = await session.get(models.Parcel, parcel_id, with_for_update=True)
    if parcel is None:
        raise OrderError(f"no parcel {parcel_id}")
    if parcel.status != "packed":
        raise OrderError(f"parcel {parcel_id} is {parcel.status}")
    found = await session.execute(
        select(models.Order.id).where(models.Order.parcel_id == parcel.id)
    )
    locked = await orders.locked_many(session, list(found.scalars()))
    if not locked:
        raise OrderError(f"parcel {parcel_id} is empty")
    track = await tracking.start(session, number, carrier, provider)
    parcel.status, parcel.shipped_at = "shipped", utcnow()
    parcel.carrier, parcel.tracking_id = track.carrier, track.id
    for order in locked.values():
        await orders.move(session, order, S.SHIPPED, "shipped",
                          {"operator": operator_id, "parcel": parcel.id,
                           "number": track.number})  # fmt: skip
        await tracking.follow(session, order.user_id, track)
        await orders.alert(session, order, "shipped",
                           {"number": track.number, "carrier": track.carrier or ""})  # fmt: skip
    await orders.save(session, locked.values())
    return Shipped(parcel, track, sorted(locked))


async def delivered(session: AsyncSession, tracking_id: int) -> list[int]:
    """The courier delivered the parcels of `tracking_id`: their orders are delivered (the
    followers hear it from the tracking alert, not twice). Returns the orders moved."""
    parcels = await session.execute(
        select(models.Parcel).where(
            models.Parcel.tracking_id == tracking_id, models.Parcel.status == "shipped"
        )
    )
    moved: list[int] = []
    for parcel in parcels.scalars():
        parcel.status = "delivered"
        found = await session.execute(
            select(models.Order.id).where(models.Order.parcel_id == parcel.id)
        )
        locked = await orders.locked_many(session, list(found.scalars()))
        for order in locked.values():
            if order.status == S.SHIPPED:
                await orders.move(session, order, S.DELIVERED, "delivered")
                moved.append(order.id)
        await orders.save(session, locked.values())
    return moved
