"""Checkout and payment events between the database and the payment provider.

Services never commit and never call out while a transaction is open; this is the one place
that sequences the three steps of a checkout (order written, payment page asked of the provider
with an idempotency key, page attached to the order) and of a payment event (applied in one
transaction, then the alerts sent and any refund asked of the provider after it commits).
A refund asked of the provider is recorded first (its idempotency key with it), so a crash
between the two asks again with the same key, which the provider answers with the same refund.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import models
from bot.db import utcnow
from bot.process.batches import Batcher
from bot.services import orders, payments
from bot.services.payments import Applied
from integrations.errors import IntegrationError
from integrations.money import Money
from integrations.payments.base import PaymentProvider
from integrations.types import Checkout, CheckoutLine, CheckoutRequest, PaymentEvent

log = logging.getLogger(__name__)

CHECKOUT_MINUTES = 30
REVIEW_BATCH = 200  # paid orders compared with the marketplace in one pass
REVIEW_GATHER_SECONDS = 0.5  # how long a pass waits for the payments arriving with it
# A page that closed this long ago without a word from the provider (an invoice left unpaid,
# a lost expiry event) is expired here: its reservation of the cart ends.
EXPIRY_GRACE = timedelta(minutes=10)


class PaymentsOff(Exception):
    """No payment provider is configured."""


@dataclass(frozen=True, slots=True)
class Started:
    order_id: int
    url: str


class Payments:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        provider: PaymentProvider | None,
        public_base_url: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.provider = provider
        self.public_base_url = public_base_url or "https://t.me"
        # Called after a commit that queued alerts (the Telegram side sends them).
        self.on_alerts: Callable[[], None] = lambda: None
        # Asks the marketplaces for today's prices of these products (bot/process/live.py).
        self.refresh: Callable[[list[tuple[str, str]]], Awaitable[object]] | None = None
        self.tolerance_percent = 5
        self._tasks: set[asyncio.Task[object]] = set()
        self._batches: Batcher[PaymentEvent, Applied] = Batcher(
            sessions,
            lambda session, events: payments.apply_many(session, events),
            "payment events",
        )  # looked up at each call: tests replace it
        self._reviewer: asyncio.Task[object] | None = None
        self._review_again = False

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    @property
    def provider_name(self) -> str:
        return self.provider.name if self.provider is not None else ""

    async def page_for(self, order_id: int, title: str, locale: str | None) -> Started:
        """The payment page of a new order (pending_payment): asked of the provider with the
        order's idempotency key (asking twice gives the same page), then attached to it."""
        if self.provider is None:
            raise PaymentsOff()
        async with self.sessions() as session:
            order = await orders.get(session, order_id)
        if order.checkout_url:
            return Started(order.id, order.checkout_url)
        charge = Money.of_minor(order.total_minor, order.currency)
        checkout = await self._page(order, title, charge, f"order-{order.id}-checkout", locale)
        async with self.sessions.begin() as session:
            await orders.attach_checkout(
                session, order.id, checkout.session_id, checkout.url, checkout.expires_at
            )
        return Started(order.id, checkout.url)

    async def receive(self, event: PaymentEvent) -> Applied:
        """Apply a verified provider event once; alerts, refunds and the review of a paid
        order follow the commit. Events arriving together share one transaction
        (bot/process/batches.py): under a burst, a handful of statements apply dozens."""
        applied = await self._batches.submit(event)
        if applied.order_id is not None and applied.outcome not in ("duplicate", "no_change"):
            self.on_alerts()
        if applied.refund_id is not None:
            self.later(self.send_refunds())
        if applied.outcome == "paid":
            self.review_soon()
        return applied

    def review_soon(self) -> None:
        """Compare newly paid orders with the marketplace, in the background, one pass at a
        time per process (a burst of payments makes a few passes, not one task each)."""
        if self._reviewer is not None and not self._reviewer.done():
            self._review_again = True
            return
        self._reviewer = self.later(self._review_passes())

    async def _review_passes(self) -> None:
        try:
            while True:
                await asyncio.sleep(REVIEW_GATHER_SECONDS)  # a burst of payments, one pass
                self._review_again = False
                reviewed = await self.review_paid()
                if not self._review_again and reviewed < REVIEW_BATCH:
                    return
        except Exception as exc:  # the next payment or the minute's housekeeping tries again
            log.warning("paid orders not reviewed: %r", exc)

    async def review_paid(self) -> int:
        """Paid orders against the marketplace now: an item gone is refunded in full; a price
        risen beyond the tolerance asks the shopper to pay the difference or cancel. Returns
        how many orders were reviewed."""
        async with self.sessions() as session:
            products = await orders.to_review(session, REVIEW_BATCH)
        if not products:
            return 0
        if self.refresh is not None:
            await self.refresh(sorted(products))
        told = refund = False
        async with self.sessions.begin() as session:
            found = await orders.review_batch(session, self.tolerance_percent, REVIEW_BATCH)
            for order_id, review in found.items():
                if review.outcome == "ok":
                    continue
                order = await orders.get(session, order_id)
                if review.outcome == "unavailable":
                    await orders.start_refund(session, order, order.paid_minor, "unavailable")
                    await orders.alert(session, order, "unavailable_refund")
                    refund = True
                else:
                    minor = orders.difference(order, review.rise_minor).minor()
                    await orders.move(
                        session, order, orders.S.PRICE_DIFFERENCE_DUE, "price_rose",
                        {"difference_minor": minor},
                    )  # fmt: skip
                    await orders.alert(session, order, "price_rose", {"amount_minor": minor})
                told = True
        if told:
            self.on_alerts()
        if refund:
            await self.send_refunds()
        return len(found)

    async def difference_page(self, order_id: int, user_id: int, title: str) -> Started:
        """The payment page for a risen price's difference (one per order and amount)."""
        if self.provider is None:
            raise PaymentsOff()
        async with self.sessions() as session:
            order = await orders.get(session, order_id, user_id)
            events = await orders.timeline(session, order_id)
        rose = [e for e in events if e.kind == "price_rose"]
        if order.status != orders.S.PRICE_DIFFERENCE_DUE or not rose:
            raise orders.OrderError(f"order {order_id} owes no difference")
        minor = int(rose[-1].detail["difference_minor"])
        difference = Money.of_minor(minor, order.currency)
        key = f"order-{order.id}-difference-{minor}"
        checkout = await self._page(order, title, difference, key, None)
        return Started(order.id, checkout.url)

    async def _page(
        self, order: models.Order, title: str, amount: Money, key: str, locale: str | None
    ) -> Checkout:
        """A payment page of `amount` for `order`, shipping to its country, valid
        CHECKOUT_MINUTES; `key` makes asking again harmless."""
        assert self.provider is not None
        request = CheckoutRequest(
            order_id=order.id, lines=(CheckoutLine(title, amount, 1),), currency=amount.currency,
            country=order.country, success_url=f"{self.public_base_url}/paid",
            cancel_url=f"{self.public_base_url}/cancelled",
            expires_at=utcnow() + timedelta(minutes=CHECKOUT_MINUTES), idempotency_key=key,
            locale=locale,
        )  # fmt: skip
        return await self.provider.create_checkout(request)

    async def refund(self, order_id: int, reason: str, amount_minor: int | None = None) -> int:
        """Refund an order (all that is left, or `amount_minor`), recorded, then asked of the
        provider; returns the refund's id."""
        async with self.sessions.begin() as session:
            order = await orders.locked(session, order_id)
            if order is None:
                raise orders.OrderError(f"no order {order_id}")
            amount = (
                order.paid_minor - order.refunded_minor if amount_minor is None else amount_minor
            )
            refund = await orders.start_refund(session, order, amount, reason)
            await orders.alert(session, order, "refund_started", {"amount_minor": amount})
        self.on_alerts()
        await self.send_refunds()
        return refund.id

    async def send_refunds(self) -> int:
        """Ask the provider for every refund recorded and not yet done; returns how many went."""
        if self.provider is None:
            return 0
        async with self.sessions() as session:
            waiting = await payments.pending_refunds(session)
        sent = 0
        for refund_id in waiting:
            async with self.sessions() as session:
                refund = await session.get(models.Refund, refund_id)
                order = await session.get(models.Order, refund.order_id) if refund else None
            if refund is None or order is None or not order.payment_ref:
                continue
            amount = Money.of_minor(refund.amount_minor, refund.currency)
            try:
                done = await self.provider.refund(order.payment_ref, amount, refund.idempotency_key)
            except IntegrationError as exc:
                log.warning("refund %s of order %s not sent: %r", refund.id, order.id, exc)
                continue
            async with self.sessions.begin() as session:
                row = await session.get(models.Refund, refund_id)
                if row is not None and row.status == "requested":
                    row.status, row.provider_refund_id = "sent", done.refund_id
            sent += 1
        return sent

    async def housekeeping(self) -> int:
        """Every minute in every process: orders whose payment page closed long ago expire,
        refunds the provider did not take are asked again, and alerts left unsent (a process
        that died) are sent. Returns how many orders expired."""
        async with self.sessions() as session:
            due = await orders.overdue(session, utcnow() - EXPIRY_GRACE)
        expired = 0
        for order_id in due:
            async with self.sessions.begin() as session:
                order = await orders.locked(session, order_id)
                if order is None or order.status != orders.S.PENDING_PAYMENT:
                    continue
                await orders.move(session, order, orders.S.EXPIRED, "expired")
                await orders.alert(session, order, "expired")
                expired += 1
        await self.send_refunds()
        await self.review_paid()
        self.on_alerts()
        return expired

    def later(self, work: Coroutine[Any, Any, object]) -> asyncio.Task[object]:
        """Run `work` in the background; close() waits for it."""
        task: asyncio.Task[object] = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        close = getattr(self.provider, "close", None)
        if close is not None:
            await close()
