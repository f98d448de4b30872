"""The operators' fulfilment steps, each in its own transaction, for the bot's commands and the
CLI alike: the service does the step (bot/services/fulfilment.py), the commit follows, then
the shopper's alert is sent and a shipped number is registered with its courier provider.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.process.deps import Deps
from bot.services import fulfilment
from integrations.couriers.detect import CARRIERS, parse


async def bought(deps: Deps, order_id: int, operator: int, marketplace_ref: str) -> None:
    async with deps.sessions.begin() as session:
        await fulfilment.bought(session, order_id, operator, marketplace_ref)
    deps.couriers.on_alerts()


async def seller_shipped(deps: Deps, order_id: int, operator: int, number: str) -> None:
    async with deps.sessions.begin() as session:
        await fulfilment.seller_shipped(session, order_id, operator, number)
    deps.couriers.on_alerts()


async def received(deps: Deps, order_id: int, operator: int) -> None:
    async with deps.sessions.begin() as session:
        await fulfilment.received(session, order_id, operator)
    deps.couriers.on_alerts()


async def qc(deps: Deps, order_id: int, operator: int, photos: list[str]) -> None:
    async with deps.sessions.begin() as session:
        await fulfilment.qc(session, order_id, operator, photos)
    deps.couriers.on_alerts()


async def pack(deps: Deps, order_ids: list[int], operator: int, size: fulfilment.Size) -> int:
    async with deps.sessions.begin() as session:
        parcel = await fulfilment.pack(session, order_ids, operator, size)
        return parcel.id


@dataclass(frozen=True, slots=True)
class Shipped:
    number: str
    carrier: str | None
    orders: list[int]


async def ship(
    deps: Deps, parcel_id: int, operator: int, number: str, carrier: str | None
) -> Shipped:
    """Ship a parcel under `number` (normalized; the carrier named, else the one its format
    names); the number is then registered with the courier provider."""
    normalized, detected = parse(number)
    if carrier is not None and carrier.lower() not in CARRIERS:
        raise ValueError(f"unknown carrier {carrier!r}: one of {', '.join(sorted(CARRIERS))}")
    code = carrier.lower() if carrier else detected.code if detected else None
    async with deps.sessions.begin() as session:
        done = await fulfilment.ship(
            session, parcel_id, operator, normalized, code, deps.couriers.preferred
        )
        shipped = Shipped(done.tracking.number, done.tracking.carrier, done.orders)
        tracking_id = done.tracking.id
    deps.couriers.on_alerts()
    deps.couriers.later(deps.couriers.poll([tracking_id]))
    return shipped
