"""From a cart to an order waiting for payment: the quote, the charge, the frozen order.

The quote is computed in CNY (bot/services/quotes.py); the charge is its total converted into a
currency the payment provider can charge: the shopper's own where possible, else its fallback
(see integrations/payments/stripe/currencies.py), at the rate whose date the shopper is shown.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.db import utcnow
from bot.services import deals, orders
from bot.services.cart import Cart
from bot.services.fx import Table
from bot.services.quotes import FxConvert, Quote, QuoteItem
from integrations.money import Money
from integrations.payments.stripe import currencies

PAYMENT_MINUTES = 30


class NoRate(Exception):
    """The total cannot be converted into any currency the provider charges."""


def items_of(cart: Cart) -> list[QuoteItem]:
    """What the quote needs of the cart's buyable lines."""
    return [
        QuoteItem(
            title=item.title,
            unit_price=item.unit,
            quantity=item.quantity,
            weight_grams=item.weight_grams,
            category=item.category,
            seller=f"{item.marketplace}:{item.seller}",
        )
        for item in cart.buyable
        if item.unit is not None
    ]


def converter(rates: Table | None) -> FxConvert:
    """`rates` as the quote's money converter (None where a currency has no rate)."""

    def convert(money: Money, target: str) -> Money | None:
        if money.currency == target:
            return money
        if rates is None:
            return None
        value = rates.convert(money.amount, money.currency, target)
        return None if value is None else Money(value, target)

    return convert


def charge_for(quote: Quote, shopper_currency: str, rates: Table | None) -> Money:
    """The amount to charge for `quote`: in the shopper's currency when the provider charges
    it and a rate exists, else in the fallback currency, else in the quote's own (CNY)."""
    convert = converter(rates)
    for currency in (currencies.charge_currency(shopper_currency), currencies.FALLBACK_CURRENCY):
        value = convert(quote.total, currency)
        if value is not None:
            return currencies.chargeable(value)
    if currencies.is_chargeable(quote.total.currency):
        return currencies.chargeable(quote.total)
    raise NoRate(shopper_currency)


def snapshot(quote: Quote, charge: Money, rates: Table | None) -> dict[str, Any]:
    """The quote as the order keeps it: every amount a string, nothing personal."""

    def m(value: Money) -> dict[str, str]:
        return {"amount": str(value.amount), "currency": value.currency}

    rate_day = rate.day if rates is not None and (rate := rates.rate(charge.currency)) else None
    return {
        "country": quote.country, "line_id": quote.line_id, "line_name": quote.line_name,
        "goods": m(quote.goods), "domestic_shipping": m(quote.domestic_shipping),
        "international": m(quote.international), "service_fee": m(quote.service_fee),
        "duties": m(quote.duties), "total": m(quote.total), "charge": m(charge),
        "delivery_days": list(quote.delivery_days), "billable_grams": quote.billable_grams,
        "estimated_weight": quote.estimated_weight, "rates_version": quote.rates_version,
        "fx_day": rate_day.isoformat() if rate_day else None,
    }  # fmt: skip


async def place(
    session: AsyncSession,
    *,
    user_id: int,
    cart: Cart,
    quote: Quote,
    charge: Money,
    rates: Table | None,
    language: str,
    provider: str,
    now: datetime | None = None,
) -> models.Order:
    """The order for the cart's buyable lines at `quote`, waiting for payment, credited to the
    deal the shopper came through for one of its products (bot/services/deals.py)."""
    expires = (now or utcnow()) + timedelta(minutes=PAYMENT_MINUTES)
    deal_id = await deals.attribution(session, user_id, [i.product_id for i in cart.buyable])
    return await orders.create(
        session, user_id=user_id, items=cart.buyable, quote=snapshot(quote, charge, rates),
        charge=charge, country=quote.country, shipping_line=quote.line_id, language=language,
        provider=provider, expires_at=expires, deal_id=deal_id,
    )  # fmt: skip
