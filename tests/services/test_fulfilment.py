"""The operator's steps after payment, and courier news applied to the parcel's number."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import models
from bot.process.deps import Deps
from bot.services import fulfilment, orders, payments, tracking, tracking_updates
from bot.services.order_states import IllegalTransition, OrderStatus
from integrations.types import Checkpoint, TrackingStatus, TrackingUpdate
from tests.services.test_payments import USER, an_order, event

S = OrderStatus
OPERATOR = 777
NUMBER = "RR123456785CN"
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


async def a_paid_order(deps: Deps) -> int:
    order_id = await an_order(deps)
    async with deps.sessions.begin() as s:
        await payments.apply(s, event(order_id, "paid", f"evt_paid_{order_id}"))
    return order_id


async def status(deps: Deps, order_id: int) -> str:
    async with deps.sessions() as s:
        return (await orders.get(s, order_id)).status


async def alert_kinds(deps: Deps) -> list[str]:
    async with deps.sessions() as s:
        found = await s.execute(select(models.Alert.kind).order_by(models.Alert.id))
        return list(found.scalars())


async def stored(deps: Deps) -> int:
    """A paid order taken through every warehouse step, approved by its shopper."""
    order_id = await a_paid_order(deps)
    async with deps.sessions.begin() as s:
        await fulfilment.bought(s, order_id, OPERATOR, "TB-2026-0001")
    async with deps.sessions.begin() as s:
        await fulfilment.seller_shipped(s, order_id, OPERATOR, "SF1234567890123")
    async with deps.sessions.begin() as s:
        await fulfilment.qc(s, order_id, OPERATOR, ["AgACAgQAAx0-photo"])
    async with deps.sessions.begin() as s:
        await fulfilment.qc_answer(s, order_id, USER, approve=True)
    return order_id


async def shipped(deps: Deps) -> tuple[int, int]:
    order_id = await stored(deps)
    async with deps.sessions.begin() as s:
        parcel = await fulfilment.pack(s, [order_id], OPERATOR, fulfilment.Size(1500, 30, 20, 10))
    async with deps.sessions.begin() as s:
        done = await fulfilment.ship(s, parcel.id, OPERATOR, NUMBER, "china-post", "aftership")
    return order_id, done.tracking.id


async def test_every_step_moves_the_order_and_tells_the_shopper(deps: Deps) -> None:
    order_id, tracking_id = await shipped(deps)
    assert await status(deps, order_id) == S.SHIPPED
    async with deps.sessions() as s:
        kinds = [e.kind for e in await orders.timeline(s, order_id)]
        purchase = await s.scalar(select(models.Purchase))
        follows = await tracking.followed(s, USER)
    assert kinds == [
        "created", "paid", "purchasing", "purchased", "seller_shipped", "warehouse_received",
        "qc_sent", "qc_approved", "stored", "packed", "shipped",
    ]  # fmt: skip
    assert await alert_kinds(deps) == [
        "paid",
        "purchased",
        "seller_shipped",
        "qc_photos",
        "packed",
        "shipped",
    ]
    assert purchase is not None and purchase.marketplace_ref == "TB-2026-0001"
    assert purchase.seller_tracking == "SF1234567890123"
    assert [t.id for t in follows] == [tracking_id]  # the shopper follows the parcel


async def test_a_step_out_of_turn_is_refused_and_changes_nothing(deps: Deps) -> None:
    order_id = await a_paid_order(deps)
    with pytest.raises(IllegalTransition):
        async with deps.sessions.begin() as s:
            await fulfilment.received(s, order_id, OPERATOR)  # never bought
    with pytest.raises(orders.OrderError):
        async with deps.sessions.begin() as s:
            await fulfilment.pack(s, [order_id], OPERATOR, fulfilment.Size(100, 1, 1, 1))
    with pytest.raises(orders.OrderError):
        async with deps.sessions.begin() as s:
            await fulfilment.bought(s, order_id, OPERATOR, "two words")
    assert await status(deps, order_id) == S.PAID
    assert await alert_kinds(deps) == ["paid"]


async def test_only_its_shopper_answers_the_qc_photos_and_only_once(deps: Deps) -> None:
    order_id = await a_paid_order(deps)
    async with deps.sessions.begin() as s:
        await fulfilment.bought(s, order_id, OPERATOR, "TB-1")
        await fulfilment.seller_shipped(s, order_id, OPERATOR, "SF1")
        await fulfilment.qc(s, order_id, OPERATOR, ["photo-1", "photo-2"])
    with pytest.raises(orders.OrderError):
        async with deps.sessions.begin() as s:
            await fulfilment.qc_answer(s, order_id, USER + 1, approve=True)
    async with deps.sessions.begin() as s:
        await fulfilment.qc_answer(s, order_id, USER, approve=False)
    with pytest.raises(IllegalTransition):
        async with deps.sessions.begin() as s:
            await fulfilment.qc_answer(s, order_id, USER, approve=True)
    assert await status(deps, order_id) == S.RETURN_REQUESTED
    async with deps.sessions() as s:
        waiting = await fulfilment.waiting(s)
    assert [(w.id, w.status) for w in waiting] == [(order_id, "return_requested")]


@pytest.mark.parametrize(
    ("size", "why"),
    [((0, 10, 10, 10), "weight"), ((70_001, 10, 10, 10), "weight"), ((500, 0, 10, 10), "side"),
     ((500, 10, 301, 10), "side")],
)  # fmt: skip
def test_a_parcel_size_out_of_bounds_is_refused(size: tuple[int, int, int, int], why: str) -> None:
    with pytest.raises(orders.OrderError, match=why):
        fulfilment.Size(*size)


def scan(key: str, status: TrackingStatus, hours: int, place: str = "Frankfurt") -> Checkpoint:
    return Checkpoint(
        key=key, status=status, provider_status=status.value, provider_substatus="",
        occurred_at=T0 + timedelta(hours=hours), location=place, message=f"{status.value} scan",
    )  # fmt: skip


def told(*scans: Checkpoint, number: str = NUMBER) -> TrackingUpdate:
    latest = max(scans, key=lambda c: c.occurred_at)
    return TrackingUpdate(
        provider="aftership", number=number, carrier="china-post", status=latest.status,
        provider_status=latest.provider_status, provider_substatus="", checkpoints=scans,
    )  # fmt: skip


async def ingest(deps: Deps, *updates: TrackingUpdate) -> list[tracking_updates.Ingested]:
    async with deps.sessions.begin() as s:
        return await tracking_updates.ingest_many(s, list(updates))


async def test_the_same_courier_event_twenty_times_at_once_alerts_once(deps: Deps) -> None:
    await shipped(deps)
    update = told(scan("c1", TrackingStatus.IN_TRANSIT, 1))
    results = await asyncio.gather(*(ingest(deps, update) for _ in range(20)))
    outcomes = sorted(r[0].outcome for r in results)
    assert outcomes == ["duplicate"] * 19 + ["moved"]
    assert (await alert_kinds(deps)).count("tracking") == 1
    async with deps.sessions() as s:
        scans = await s.scalar(select(func.count()).select_from(models.TrackingEvent))
    assert scans == 1


async def test_an_older_event_joins_the_history_and_never_moves_the_status_back(
    deps: Deps,
) -> None:
    _, tracking_id = await shipped(deps)
    await ingest(deps, told(scan("c2", TrackingStatus.CUSTOMS_PROCESSING, 5)))
    (late,) = await ingest(deps, told(scan("c1", TrackingStatus.IN_TRANSIT, 1)))
    assert late.outcome == "history" and late.status == "customs_processing"
    async with deps.sessions() as s:
        track = await tracking.get(s, tracking_id)
        history = await tracking.history(s, tracking_id)
    assert track is not None and track.status == "customs_processing"
    assert [h.key for h in history] == ["c2", "c1"]  # newest first, the late one kept
    assert (await alert_kinds(deps)).count("tracking") == 1


async def test_delivery_delivers_the_orders_of_the_parcel(deps: Deps) -> None:
    order_id, _ = await shipped(deps)
    (done,) = await ingest(
        deps,
        told(scan("c1", TrackingStatus.IN_TRANSIT, 1), scan("c9", TrackingStatus.DELIVERED, 48)),
    )
    assert done.outcome == "moved" and done.status == "delivered"
    assert await status(deps, order_id) == S.DELIVERED
    async with deps.sessions() as s:
        parcel = await s.scalar(select(models.Parcel))
        params = await s.scalar(select(models.Alert.params).where(models.Alert.kind == "tracking"))
    assert parcel is not None and parcel.status == "delivered"
    assert params is not None and params["status"] == "delivered"
    assert params["number"] == NUMBER


async def test_a_number_nobody_tracks_changes_nothing(deps: Deps) -> None:
    (result,) = await ingest(
        deps, told(scan("x", TrackingStatus.DELIVERED, 1), number="LP00000000000001")
    )
    assert result == tracking_updates.UNKNOWN
    async with deps.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(models.TrackingEvent)) == 0


async def test_a_provider_spelling_the_number_otherwise_reaches_it(deps: Deps) -> None:
    _, tracking_id = await shipped(deps)
    (result,) = await ingest(
        deps, told(scan("c1", TrackingStatus.IN_TRANSIT, 1), number="rr 123 456 785 cn")
    )
    assert result.tracking_id == tracking_id and result.outcome == "moved"
