"""Money: a Decimal amount and its ISO 4217 currency, never a float.

Arithmetic only between amounts of one currency (mixing raises); rounding to the currency's
ISO minor unit (babel's table: JPY 0, USD 2, KWD 3) is explicit (`rounded`). A payment provider
that counts minor units differently (Stripe's zero-decimal and ISK rules) converts with its own
table, in its own package.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import get_currency_precision


class CurrencyMismatch(ValueError):
    """Two amounts of different currencies were combined."""


def exponent(currency: str) -> int:
    """Digits after the decimal point in the currency's ISO minor unit."""
    return int(get_currency_precision(currency))


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money needs a Decimal amount, not {type(self.amount).__name__}")
        if not (len(self.currency) == 3 and self.currency.isalpha() and self.currency.isupper()):
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def of_minor(cls, minor: int, currency: str) -> Money:
        """From an integer count of the currency's ISO minor units (fen for CNY)."""
        return cls(Decimal(minor).scaleb(-exponent(currency)), currency)

    def minor(self) -> int:
        """The amount in ISO minor units, rounded half to even."""
        return int(self.rounded().amount.scaleb(exponent(self.currency)))

    def rounded(self) -> Money:
        step = Decimal(1).scaleb(-exponent(self.currency))
        return Money(self.amount.quantize(step, rounding=ROUND_HALF_EVEN), self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("multiply Money by an int or a Decimal, never a float")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def total(amounts: list[Money], currency: str) -> Money:
    """The sum of `amounts` (all in `currency`; zero when there are none)."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result
