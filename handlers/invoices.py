"""Telegram's native invoices (TELEGRAM_PAYMENT_PROVIDER_TOKEN): the Stripe link's alternative.

The invoice carries the order's quote lines except international shipping, which Telegram asks
for once it has the address (a flexible invoice): the shipping query is answered with the line
the quote was made for, to the quoted country. The pre-checkout query re-checks the order (still
waiting for payment, same amount, its items still for sale) within Telegram's 10 seconds. The
successful payment goes through the same exactly-once path as Stripe's events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from telegram import LabeledPrice, Message, ShippingOption, Update

from bot.models import Order
from bot.services import cart, orders
from bot.services.order_states import OrderStatus
from handlers.context import BotContext
from integrations.money import Money
from integrations.types import PaymentEvent

log = logging.getLogger(__name__)

PROVIDER = "telegram"
PAYLOAD_PREFIX = "order:"


def provider_token(context: BotContext) -> str | None:
    token = context.deps.settings.telegram_payment_provider_token
    value = token.get_secret_value() if token is not None else ""
    return value or None


def _part(quote: dict[str, dict[str, str]], name: str) -> Decimal:
    return Decimal(quote[name]["amount"])


def prices(order: Order, _: Callable[[str], str]) -> tuple[list[LabeledPrice], LabeledPrice]:
    """The invoice's lines and the shipping option's price, in the charge currency, summing to
    the order's total exactly (each line converted at the quote's ratio, the last takes the
    rounding)."""
    quote = order.quote
    total_cny = _part(quote, "total")
    charge = Money.of_minor(order.total_minor, order.currency)
    names = (
        ("goods", _("Goods")), ("domestic_shipping", _("Shipping inside China")),
        ("service_fee", _("Service fee")), ("duties", _("Duties and VAT (estimate)")),
    )  # fmt: skip
    lines: list[LabeledPrice] = []
    used = 0
    for key, label in names:
        share = Money(charge.amount * _part(quote, key) / total_cny, charge.currency).minor()
        if share > 0:
            lines.append(LabeledPrice(label, share))
            used += share
    shipping = LabeledPrice(str(quote.get("line_name", "Shipping"))[:64], charge.minor() - used)
    return lines, shipping


async def send(message: Message, context: BotContext, order: Order, title: str) -> None:
    """The invoice for `order` in the shopper's chat."""
    token = provider_token(context)
    assert token is not None
    lines, _shipping = prices(order, context._)
    await context.bot.send_invoice(
        chat_id=message.chat_id, title=title[:32],
        description=context._("Goods from China, delivered to your door.")[:255],
        payload=f"{PAYLOAD_PREFIX}{order.id}", provider_token=token, currency=order.currency,
        prices=lines, need_name=True, need_phone_number=True, need_shipping_address=True,
        is_flexible=True,
    )  # fmt: skip


def _order_id(payload: str) -> int | None:
    number = payload.removeprefix(PAYLOAD_PREFIX)
    return int(number) if payload.startswith(PAYLOAD_PREFIX) and number.isdigit() else None


async def _order(context: BotContext, payload: str, user_id: int) -> Order | None:
    order_id = _order_id(payload)
    if order_id is None:
        return None
    async with context.deps.sessions() as session:
        try:
            return await orders.get(session, order_id, user_id)
        except orders.OrderError:
            return None


async def shipping_query(update: Update, context: BotContext) -> None:
    query = update.shipping_query
    assert query is not None
    order = await _order(context, query.invoice_payload, query.from_user.id)
    if order is None or order.status != OrderStatus.PENDING_PAYMENT:
        await query.answer(ok=False, error_message=context._("This order can no longer be paid."))
        return
    if query.shipping_address.country_code.upper() != order.country:
        country = context.t.country(order.country)
        text = context.t.format(
            "The quote is for shipping to {country}: choose an address there.", country=country
        )
        await query.answer(ok=False, error_message=text)
        return
    _lines, shipping = prices(order, context._)
    option = ShippingOption(order.shipping_line, shipping.label, [shipping])
    await query.answer(ok=True, shipping_options=[option])


async def pre_checkout(update: Update, context: BotContext) -> None:
    """The last word before Telegram charges: the order as quoted, still for sale."""
    query = update.pre_checkout_query
    assert query is not None
    order = await _order(context, query.invoice_payload, query.from_user.id)
    problem = None
    if order is None or order.status != OrderStatus.PENDING_PAYMENT:
        problem = context._("This order can no longer be paid.")
    elif order.expires_at is not None and order.expires_at < datetime.now(UTC):
        problem = context._("This invoice has expired: check out again from /cart.")
    elif query.currency != order.currency or query.total_amount != order.total_minor:
        problem = context._("The amount changed: check out again from /cart.")
    elif not await _still_for_sale(context, order):
        problem = context._("Something in this order sold out meanwhile: check your /cart.")
    if problem is None:
        await query.answer(ok=True)
    else:
        await query.answer(ok=False, error_message=problem)


async def _still_for_sale(context: BotContext, order: Order) -> bool:
    async with context.deps.sessions() as session:
        return await cart.still_for_sale(session, [line.sku_id for line in order.lines])


async def successful_payment(update: Update, context: BotContext) -> None:
    """Telegram charged the shopper: applied once, like any provider's event."""
    message = update.effective_message
    assert message is not None and message.successful_payment is not None
    paid = message.successful_payment
    info = paid.order_info
    address = info.shipping_address if info is not None else None
    raw = {
        "shipping_details": {
            "name": (info.name if info is not None else None) or "",
            "address": {
                "line1": address.street_line1, "line2": address.street_line2,
                "city": address.city, "state": address.state,
                "postal_code": address.post_code, "country": address.country_code,
            } if address is not None else {},
        },
        "customer_details": {"phone": info.phone_number if info is not None else None},
    }  # fmt: skip
    event = PaymentEvent(
        provider=PROVIDER, event_id=paid.telegram_payment_charge_id, kind="paid",
        order_id=_order_id(paid.invoice_payload), session_id=None,
        payment_ref=paid.provider_payment_charge_id,
        amount=Money.of_minor(paid.total_amount, paid.currency),
        occurred_at=datetime.now(UTC), raw=raw,
    )  # fmt: skip
    applied = await context.deps.payments.receive(event)
    log.info("telegram payment for order %s: %s", event.order_id, applied.outcome)
