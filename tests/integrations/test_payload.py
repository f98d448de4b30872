"""Reading provider payloads defensively."""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrations.payload import fen


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (3990, Decimal("39.90")),
        ("12", Decimal("0.12")),
        (0, Decimal("0.00")),
        (" 500 ", Decimal("5.00")),
    ],
)
def test_fen_is_read_as_yuan(given: object, expected: Decimal) -> None:
    assert fen(given) == expected


@pytest.mark.parametrize("given", [None, "", True, -1, "1.5", "NaN", "Infinity", "abc", 1.5])
def test_fen_that_is_not_a_whole_amount_is_none(given: object) -> None:
    assert fen(given) is None
