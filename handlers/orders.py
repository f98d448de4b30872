"""/orders: the shopper's orders, each opening its lines and timeline."""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot import crypto
from bot.i18n import Translator
from bot.models import Order
from bot.process.payments import PaymentsOff
from bot.services import orders
from handlers.context import BotContext
from handlers.keyboards import button, markup
from integrations.errors import IntegrationError
from integrations.money import Money

log = logging.getLogger(__name__)

OPEN = r"^od:(?P<id>\d{1,15})$"
DIFFERENCE = r"^pd:(?P<id>\d{1,15})$"
CANCEL = r"^px:(?P<id>\d{1,15})$"
LIST = r"^ol$"
TITLE_LIMIT = 60


def status_name(t: Translator, status: str) -> str:
    _ = t.gettext
    names = {
        "pending_payment": _("waiting for payment"), "paid": _("paid"),
        "purchasing": _("being bought"), "purchased": _("bought"),
        "seller_shipped": _("on its way to our warehouse"),
        "warehouse_received": _("at our warehouse"), "qc_sent": _("photos sent for your check"),
        "qc_approved": _("approved by you"), "return_requested": _("return requested"),
        "stored": _("stored, waiting to ship"), "in_parcel": _("packed in a parcel"),
        "shipped": _("shipped"), "delivered": _("delivered"), "expired": _("payment link expired"),
        "cancelled": _("cancelled"), "refund_pending": _("being refunded"),
        "refunded": _("refunded"), "price_difference_due": _("price changed: your choice needed"),
    }  # fmt: skip
    return names.get(status, status)


async def orders_command(update: Update, context: BotContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    text, keyboard = await _list(context, user.id)
    await context.reply(message, text, keyboard)


async def list_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    if isinstance(query.message, Message):
        text, keyboard = await _list(context, query.from_user.id)
        await context.edit(query.message, text, keyboard)


async def _list(context: BotContext, user_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    t = context.t
    async with context.deps.sessions() as session:
        found = await orders.of_user(session, user_id)
    if not found:
        return context.h("You have no orders yet. Add products to /cart and check out."), None
    heading = context.h("Your orders")
    lines = [f"<b>{heading}</b>", ""]
    buttons = []
    for o in found:
        total = t.money(o.total.amount, o.total.currency)
        lines.append(
            f"#{o.id} · {escape(t.date(o.created_at, 'short'))} · {escape(total)} · "
            f"{escape(status_name(t, o.status))}"
        )
        buttons.append([button(f"#{o.id}", "od", o.id)])
    return "\n".join(lines), markup(*buttons)


async def open_button(update: Update, context: BotContext) -> None:
    """One order: its lines, the total paid and its timeline."""
    query = update.callback_query
    assert query is not None and context.match is not None
    try:
        async with context.deps.sessions() as session:
            order = await orders.get(session, int(context.match["id"]), query.from_user.id)
            events = await orders.timeline(session, order.id)
    except orders.OrderError:
        await query.answer(context._("That order is not yours or no longer exists."), True)
        return
    await query.answer()
    text = order_text(context, order, [(e.at, e.kind, e.status) for e in events])
    keyboard = markup([button(context._("« All orders"), "ol")])
    if isinstance(query.message, Message) and query.message.chat.type == "private":
        await context.edit(query.message, text, keyboard)
    elif query.message is not None:
        await context.bot.send_html(query.from_user.id, text, keyboard=keyboard)


def order_text(context: BotContext, order: Order, events: list[tuple[datetime, str, str]]) -> str:
    t, h = context.t, context.h
    total = Money.of_minor(order.total_minor, order.currency)
    title = h("Order #{order}", order=order.id)
    lines = [
        f"<b>{title}</b> · {escape(status_name(t, order.status))}",
        "",
    ]
    for line in order.lines:
        title = line.title if len(line.title) <= TITLE_LIMIT else line.title[:TITLE_LIMIT] + "…"
        unit = Money.of_minor(line.unit_price_minor, line.currency)
        variant = f" ({escape(line.variant)})" if line.variant else ""
        price = escape(t.money(unit.amount, unit.currency))
        lines.append(f"• {escape(title)}{variant} × {line.quantity} · {price}")
    lines += ["", h("Total: {amount}", amount=t.money(total.amount, total.currency))]
    if order.address:  # personal data: shown masked, even to its owner, in a chat
        lines.append(h("Ship to: {address}", address=crypto.mask_address(order.address)))
    if order.refunded_minor:
        back = Money.of_minor(order.refunded_minor, order.currency)
        lines.append(h("Refunded: {amount}", amount=t.money(back.amount, back.currency)))
    timeline = h("Timeline")
    lines += ["", f"<b>{timeline}</b>"]
    for at, _kind, status in events:
        lines.append(f"{escape(t.datetime(at, 'short'))} · {escape(status_name(t, status))}")
    return "\n".join(lines)


async def difference_button(update: Update, context: BotContext) -> None:
    """Pay a risen price's difference: a payment page for just that amount."""
    query = update.callback_query
    assert query is not None and context.match is not None
    order_id = int(context.match["id"])
    title = context.t.format("Price difference, order #{order}", order=order_id)
    try:
        started = await context.deps.payments.difference_page(order_id, query.from_user.id, title)
    except orders.OrderError:
        await query.answer(context._("This order owes no difference any more."), True)
        return
    except (IntegrationError, PaymentsOff) as exc:
        log.warning("no difference page for order %s: %r", order_id, exc)
        await query.answer(context._("The payment service did not answer: try again soon."), True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton("💳 " + context._("Pay the difference"), url=started.url)]]
        )
        await context.edit(query.message, None, keyboard)


async def cancel_button(update: Update, context: BotContext) -> None:
    """Cancel an order whose price rose, with a full refund."""
    query = update.callback_query
    assert query is not None and context.match is not None
    order_id = int(context.match["id"])
    async with context.deps.sessions() as session:
        try:
            order = await orders.get(session, order_id, query.from_user.id)
        except orders.OrderError:
            order = None
    if order is None or order.status != "price_difference_due":
        await query.answer(context._("This order can no longer be cancelled here."), True)
        return
    await context.deps.payments.refund(order_id, "price_rose")
    await query.answer(context._("Cancelled: your payment is being refunded in full."), True)
    if isinstance(query.message, Message):
        await context.edit(query.message, None, None)
