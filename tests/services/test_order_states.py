"""The one table of order states: every edge it has is allowed, every other one raises."""

from __future__ import annotations

import itertools

import pytest

from bot.services.order_states import (
    FINAL,
    TRANSITIONS,
    IllegalTransition,
    OrderStatus,
    can_move,
    check,
)

S = OrderStatus
MAIN_LINE = [
    S.PENDING_PAYMENT, S.PAID, S.PURCHASING, S.PURCHASED, S.SELLER_SHIPPED, S.WAREHOUSE_RECEIVED,
    S.QC_SENT, S.QC_APPROVED, S.STORED, S.IN_PARCEL, S.SHIPPED, S.DELIVERED,
]  # fmt: skip


def test_the_main_line_of_design_md_is_walkable_step_by_step() -> None:
    for source, target in itertools.pairwise(MAIN_LINE):
        assert check(1, source, target) == target


def test_every_pair_not_in_the_table_raises() -> None:
    for source, target in itertools.product(OrderStatus, OrderStatus):
        if target in TRANSITIONS[source]:
            continue
        with pytest.raises(IllegalTransition) as raised:
            check(7, source, target)
        assert raised.value.order_id == 7 and f"{source} -> {target}" in str(raised.value)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.PAID, S.PENDING_PAYMENT),  # a late event never drags an order back
        (S.PENDING_PAYMENT, S.PURCHASING),  # nothing is bought before it is paid
        (S.SHIPPED, S.PAID),
        (S.REFUNDED, S.PAID),
        (S.DELIVERED, S.CANCELLED),
        (S.EXPIRED, S.PAID),  # a payment for an expired order is refunded instead
    ],
)
def test_illegal_moves_that_matter(source: OrderStatus, target: OrderStatus) -> None:
    assert not can_move(source, target)


def test_a_payment_for_a_closed_order_can_always_be_refunded() -> None:
    for closed in (S.EXPIRED, S.CANCELLED):
        assert can_move(closed, S.REFUND_PENDING)
    assert can_move(S.REFUND_PENDING, S.REFUNDED)


def test_final_states_lead_nowhere_and_every_state_is_reachable() -> None:
    assert FINAL == {S.DELIVERED, S.REFUNDED}
    reachable = {S.PENDING_PAYMENT}
    for _ in OrderStatus:
        reachable |= {t for s in reachable for t in TRANSITIONS[s]}
    assert reachable == set(OrderStatus)


def test_an_unknown_state_is_refused() -> None:
    with pytest.raises(ValueError):
        check(1, "pending_payment", "teleported")
