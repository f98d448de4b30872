"""Payment events applied to orders exactly once, whatever arrives twice or out of order.

Every provider (Stripe's webhook, Telegram's successful_payment) hands its events here as
`integrations.types.PaymentEvent`. In one transaction: the order is locked (a repeat of the
event, even a concurrent one in another process, waits for it), the event's id is looked up (a
repeat finds it and changes nothing), the order moves along the state table
(bot/services/order_states.py) as far as the event justifies given where the order is now, its
timeline grows, the shopper's alert is queued in the outbox, and the event is recorded under a
unique constraint with what it did. An event that no longer fits (a completed-but-unpaid after
the paid one, an expiry after the payment) is recorded and changes nothing. A payment for an
order that expired or was cancelled meanwhile is taken and refunded, never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.db import dialect_insert, one_of, utcnow
from bot.services import alerts, cart, orders
from bot.services.order_states import PAID_STATES, OrderStatus
from integrations.types import PaymentEvent

log = logging.getLogger(__name__)

S = OrderStatus
PE = models.PaymentEvent


@dataclass(frozen=True, slots=True)
class Applied:
    """What an event did: `outcome` names it; `refund_id` is a refund to ask the provider for."""

    order_id: int | None
    outcome: str
    refund_id: int | None = None


DUPLICATE = Applied(None, "duplicate")


async def apply(session: AsyncSession, event: PaymentEvent) -> Applied:
    """Apply one provider event (the caller commits; see the module docstring)."""
    (applied,) = await apply_many(session, [event])
    return applied


async def apply_many(session: AsyncSession, events: Sequence[PaymentEvent]) -> list[Applied]:
    """Apply events in one transaction, in their order, with a handful of statements however
    many there are: their orders locked at once (in id order: no deadlock between processes),
    the ids seen before looked up at once, the alerts, cart changes and the events themselves
    (with what each did) written at once.

    Exactly once: an event of an order is applied under the order's lock, so a repeat in
    another process waits for this transaction and then finds the event recorded. An event of
    no order we know changes nothing; if another process records it first, the unique
    constraint keeps one row and this one counts as the repeat."""
    locked = await orders.locked_many(session, [e.order_id for e in events if e.order_id])
    seen = await _seen(session, events)
    session.info[DEFERRED] = deferred = _Deferred()
    session.info[orders.EVENTS] = deferred.events
    session.info[alerts.COLLECT] = deferred.alerts
    try:
        results: list[Applied] = []
        for event in events:
            key = (event.provider, event.event_id)
            if key in seen:  # recorded before, or earlier in this very batch
                log.info(
                    "payment event %s/%s again: not applied twice", event.provider, event.event_id
                )
                results.append(DUPLICATE)
                continue
            seen.add(key)
            order = locked.get(event.order_id) if event.order_id else None
            if order is None:
                applied = Applied(None, "unknown_order" if event.order_id else "no_order")
                if event.kind != "ignored":
                    log.warning("payment event %s for no order we know", event.event_id)
            else:
                applied = await _apply(session, order, event)
            deferred.recorded.append((len(results), event, applied))
            results.append(applied)
        raced = await deferred.write(session, locked.values())
    finally:
        session.info.pop(DEFERRED, None)
        session.info.pop(orders.EVENTS, None)
        session.info.pop(alerts.COLLECT, None)
    for index in raced:
        results[index] = DUPLICATE
    return results


async def _seen(session: AsyncSession, events: Sequence[PaymentEvent]) -> set[tuple[str, str]]:
    """Which of these events were recorded before (one statement, the unique index's)."""
    table = cast(Table, PE.__table__)
    found = await session.execute(
        select(table.c.provider, table.c.event_id).where(
            one_of(session, table.c.provider, sorted({e.provider for e in events})),
            one_of(session, table.c.event_id, sorted({e.event_id for e in events})),
        )
    )
    return {(provider, event_id) for provider, event_id in found.all()}


DEFERRED = "payments.deferred"  # session.info key: what apply_many writes once at its end


def _deferred(session: AsyncSession) -> _Deferred:
    deferred = session.info.get(DEFERRED)
    assert isinstance(deferred, _Deferred), "payment events are applied through apply_many"
    return deferred


@dataclass
class _Deferred:
    alerts: list[dict[str, Any]] = field(default_factory=list)
    paid: list[models.Order] = field(default_factory=list)
    recorded: list[tuple[int, PaymentEvent, Applied]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    async def write(self, session: AsyncSession, changed: Iterable[models.Order]) -> set[int]:
        """Write what the batch collected: the orders `changed`, their timelines, carts and
        alerts, and the events with what each did (a statement each, whatever the count).
        Returns the places in the batch of events another process recorded meanwhile (events
        of no order, which changed nothing)."""
        await orders.save(session, changed)
        await orders.write_events(session, self.events)
        if self.paid:
            await cart.take_bought(session, [o.id for o in self.paid])
        if self.alerts:
            await alerts.enqueue_many(session, self.alerts)
        if not self.recorded:
            return set()
        now = utcnow()
        rows = {
            (e.provider, e.event_id): {"provider": e.provider, "event_id": e.event_id,
                                       "kind": e.kind, "order_id": a.order_id,
                                       "outcome": a.outcome, "received_at": now}
            for _, e, a in self.recorded
        }  # fmt: skip
        insert, table = dialect_insert(session), cast(Table, PE.__table__)
        done = await session.execute(  # one statement; in one order of row locks for all
            insert(table).on_conflict_do_nothing().returning(table.c.provider, table.c.event_id),
            [rows[key] for key in sorted(rows)],
        )
        written = {(provider, event_id) for provider, event_id in done.all()}
        raced = [(i, a) for i, e, a in self.recorded if (e.provider, e.event_id) not in written]
        if any(a.order_id is not None for _, a in raced):  # its order's lock forbids that
            raise RuntimeError("a payment event of a locked order was recorded meanwhile")
        return {i for i, _ in raced}


async def _apply(session: AsyncSession, order: models.Order, event: PaymentEvent) -> Applied:
    kind = event.kind
    if kind == "paid":
        return await _paid(session, order, event)
    if kind == "pending" and order.status == S.PENDING_PAYMENT:
        await orders.note(session, order, "payment_pending")
        await orders.alert(session, order, "payment_pending")
        return Applied(order.id, "pending")
    if kind == "failed" and order.status == S.PENDING_PAYMENT:
        await orders.move(session, order, S.CANCELLED, "payment_failed")
        await orders.alert(session, order, "payment_failed")
        return Applied(order.id, "failed")
    if kind == "expired" and order.status == S.PENDING_PAYMENT:
        await orders.move(session, order, S.EXPIRED, "expired")
        await orders.alert(session, order, "expired")
        return Applied(order.id, "expired")
    if kind == "refunded":
        return await _refunded(session, order, event)
    return Applied(order.id, "no_change")


async def _paid(session: AsyncSession, order: models.Order, event: PaymentEvent) -> Applied:
    second = event.session_id is not None and event.session_id != order.checkout_id
    if order.paid_minor and second:
        return await _second_payment(session, order, event)
    if order.paid_minor:
        return Applied(order.id, "no_change")  # paid already (this is another event of it)
    order.paid_minor = order.total_minor if event.amount is None else event.amount.minor()
    order.payment_ref = event.payment_ref or order.payment_ref
    order.paid_at = event.occurred_at
    _contact(order, event.raw)
    if order.status in (S.EXPIRED, S.CANCELLED):
        refund = await orders.start_refund(session, order, order.paid_minor, "order_closed")
        await orders.alert(session, order, "paid_after_close")
        return Applied(order.id, "refund_closed", refund.id)
    await orders.move(session, order, S.PAID, "paid", {"amount_minor": order.paid_minor})
    _deferred(session).paid.append(order)  # its cart lines go with the batch's
    await orders.alert(session, order, "paid")
    return Applied(order.id, "paid")


async def _second_payment(
    session: AsyncSession, order: models.Order, event: PaymentEvent
) -> Applied:
    """A payment on another page of a paid order: the price difference the shopper agreed to
    pay, or (the order was cancelled meanwhile, or paid twice) money to give back."""
    amount = event.amount.minor() if event.amount is not None else 0
    order.paid_minor += amount
    if order.status == S.PRICE_DIFFERENCE_DUE:
        await orders.move(session, order, S.PURCHASING, "difference_paid", {"amount_minor": amount})
        await orders.alert(session, order, "difference_paid", {"amount_minor": amount})
        return Applied(order.id, "difference_paid")
    closed = order.status in (S.EXPIRED, S.CANCELLED)
    refund = await orders.start_refund(
        session, order, amount, f"extra:{event.event_id[-40:]}", whole_order=closed
    )
    await orders.alert(session, order, "refund_started", {"amount_minor": amount})
    return Applied(order.id, "refund_extra", refund.id)


async def _refunded(session: AsyncSession, order: models.Order, event: PaymentEvent) -> Applied:
    amount = event.amount.minor() if event.amount is not None else order.paid_minor
    if not order.paid_minor or amount <= order.refunded_minor:
        return Applied(order.id, "no_change")  # told before, or about a payment we never had
    order.refunded_minor = min(amount, order.paid_minor)
    await orders.refunds_done(session, order.id)
    if order.refunded_minor >= order.paid_minor:
        if order.status != S.REFUND_PENDING and order.status in PAID_STATES:
            await orders.move(session, order, S.REFUND_PENDING, "refund_requested")
        if order.status == S.REFUND_PENDING:
            await orders.move(session, order, S.REFUNDED, "refunded")
    else:
        await orders.note(session, order, "partly_refunded", {"amount_minor": amount})
    await orders.alert(session, order, "refunded", {"amount_minor": order.refunded_minor})
    return Applied(order.id, "refunded")


def _contact(order: models.Order, raw: Mapping[str, Any]) -> None:
    """The shipping address and phone the payment page collected (sealed by the columns):
    Stripe's session (in its event, or as read back), Telegram's order info in that shape."""
    data = raw.get("data")
    if isinstance(data, Mapping) and isinstance(data.get("object"), Mapping):
        raw = data["object"]
    details = raw.get("shipping_details") or raw.get("collected_information") or {}
    customer = raw.get("customer_details") or {}
    address = (details.get("shipping_details") or details).get("address") or customer.get("address")
    if isinstance(address, Mapping) and address:
        name = (details.get("shipping_details") or details).get("name") or customer.get("name")
        order.address = {**{k: v for k, v in address.items() if v}, "name": name or ""}
    phone = customer.get("phone")
    if isinstance(phone, str) and phone:
        order.phone = phone


async def pending_refunds(session: AsyncSession, limit: int = 50) -> list[int]:
    found = await session.execute(
        select(models.Refund.id)
        .where(models.Refund.status == "requested")
        .order_by(models.Refund.id)
        .limit(limit)
    )
    return list(found.scalars())
