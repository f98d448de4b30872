"""Reading provider JSON defensively: one set of helpers for every adapter's parse module."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.errors import ServerError
from integrations.types import Product

log = logging.getLogger(__name__)


CENT = Decimal("0.01")


def _number(value: Any) -> Decimal | None:
    """A finite Decimal from a JSON number or string; None when absent or unreadable."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def positive_decimal(value: Any) -> Decimal | None:
    """A positive, finite Decimal from a JSON string or number, else None."""
    number = _number(value)
    return number if number is not None and number > 0 else None


def money(value: Any) -> Decimal | None:
    """A non-negative amount from a number or decimal string, to the cent; None if absent."""
    number = _number(value)
    return number.quantize(CENT) if number is not None and number >= 0 else None


def fen(value: Any) -> Decimal | None:
    """An amount in fen (hundredths of a yuan: a whole number or digit string) as yuan, to the
    fen; None when absent, negative or not a whole number."""
    number = _number(value)
    if number is None or number < 0 or number != number.to_integral_value():
        return None
    return (number / 100).quantize(CENT)


def integer(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError, OverflowError):
        return None


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def each_product(
    provider: str, entries: Iterable[dict[str, Any]], build: Callable[[dict[str, Any]], Product]
) -> list[Product]:
    """Every well-formed entry as a Product; malformed ones (ServerError) logged and skipped."""
    found: list[Product] = []
    for entry in entries:
        try:
            found.append(build(entry))
        except ServerError as exc:
            log.warning("%s: entry skipped: %s", provider, exc)
    return found
