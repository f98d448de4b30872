"""The order's states and every transition between them: the one table (DESIGN.md).

An order moves only along an edge listed here; anything else raises IllegalTransition, so a late,
repeated or forged event can never drag an order backwards or skip a step. Fulfilment (purchasing
to delivered) is driven by operators; payment events drive the first steps and the side states.
"""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    PURCHASING = "purchasing"
    PURCHASED = "purchased"
    SELLER_SHIPPED = "seller_shipped"
    WAREHOUSE_RECEIVED = "warehouse_received"
    QC_SENT = "qc_sent"
    QC_APPROVED = "qc_approved"
    RETURN_REQUESTED = "return_requested"
    STORED = "stored"
    IN_PARCEL = "in_parcel"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REFUND_PENDING = "refund_pending"
    REFUNDED = "refunded"
    PRICE_DIFFERENCE_DUE = "price_difference_due"


S = OrderStatus

# Where each state may go. The main line first, then the side states.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.EXPIRED, S.CANCELLED}),
    S.PAID: frozenset({S.PURCHASING, S.PRICE_DIFFERENCE_DUE, S.REFUND_PENDING, S.CANCELLED}),
    S.PURCHASING: frozenset({S.PURCHASED, S.PRICE_DIFFERENCE_DUE, S.REFUND_PENDING}),
    S.PURCHASED: frozenset({S.SELLER_SHIPPED, S.REFUND_PENDING}),
    S.SELLER_SHIPPED: frozenset({S.WAREHOUSE_RECEIVED, S.REFUND_PENDING}),
    S.WAREHOUSE_RECEIVED: frozenset({S.QC_SENT}),
    S.QC_SENT: frozenset({S.QC_APPROVED, S.RETURN_REQUESTED}),
    S.QC_APPROVED: frozenset({S.STORED}),
    S.RETURN_REQUESTED: frozenset({S.REFUND_PENDING}),
    S.STORED: frozenset({S.IN_PARCEL}),
    S.IN_PARCEL: frozenset({S.SHIPPED, S.STORED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    # A payment can still arrive for an order that expired or was cancelled meanwhile: it is
    # taken and refunded (REFUND_PENDING), never left unaccounted.
    S.EXPIRED: frozenset({S.REFUND_PENDING}),
    S.CANCELLED: frozenset({S.REFUND_PENDING}),
    S.REFUND_PENDING: frozenset({S.REFUNDED}),
    S.REFUNDED: frozenset(),
    S.PRICE_DIFFERENCE_DUE: frozenset({S.PURCHASING, S.REFUND_PENDING}),
}

# States in which the shopper's money is held by us (a refund is possible).
PAID_STATES = frozenset(
    {S.PAID, S.PURCHASING, S.PURCHASED, S.SELLER_SHIPPED, S.PRICE_DIFFERENCE_DUE}
)
FINAL = frozenset(state for state, targets in TRANSITIONS.items() if not targets)


class IllegalTransition(ValueError):
    """An order was asked to move along an edge the table does not have."""

    def __init__(self, order_id: int, source: str, target: str) -> None:
        super().__init__(f"order {order_id}: {source} -> {target} is not allowed")
        self.order_id, self.source, self.target = order_id, source, target


def can_move(source: str, target: str) -> bool:
    return OrderStatus(target) in TRANSITIONS[OrderStatus(source)]


def check(order_id: int, source: str, target: str) -> OrderStatus:
    """`target` as an OrderStatus if the table allows it from `source`; IllegalTransition if not."""
    if not can_move(source, target):
        raise IllegalTransition(order_id, source, target)
    return OrderStatus(target)
