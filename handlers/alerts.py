"""Sending the alerts outbox: payment and order news, in each shopper's language.

Fed as a ServiceUpdate("alerts") after a commit queued alerts (bot/process/payments.py) and by a
sweep every SWEEP_SECONDS (what a process that died left behind). Each alert is claimed before it
is sent, so two processes never send the same one; the text is rendered at send time in the
shopper's current language.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from html import escape
from typing import Any

from telegram.error import Forbidden, TelegramError
from telegram.ext import TypeHandler

from bot.i18n import Translator, translator
from bot.models import Alert, User
from bot.services import alerts, users
from bot.telegram.updates import ServiceUpdate
from handlers.context import BotContext
from handlers.keyboards import button, markup
from integrations.money import Money

log = logging.getLogger(__name__)

SOURCE = "alerts"
SWEEP_SECONDS = 30
SENDING = "alerts.sending"  # bot_data key: one sender per process at a time, in order


class AlertsHandler(TypeHandler[ServiceUpdate, BotContext, None]):
    """Takes only the ServiceUpdates that ask for alerts to be sent."""

    def __init__(self) -> None:
        super().__init__(ServiceUpdate, send_due)

    def check_update(self, update: object) -> bool:
        return isinstance(update, ServiceUpdate) and update.source == SOURCE


def kick(put: Callable[[ServiceUpdate], object]) -> Callable[[], None]:
    """A callable that asks the Application to send due alerts (the update queue's put)."""

    def ask() -> None:
        put(ServiceUpdate(SOURCE, "kick"))

    return ask


async def send_due(update: ServiceUpdate, context: BotContext) -> None:
    if update.source != SOURCE:
        return
    sending = context.application.bot_data.setdefault(SENDING, asyncio.Lock())
    async with sending:
        while await _send_batch(context):
            pass


async def _send_batch(context: BotContext) -> int:
    deps = context.deps
    async with deps.sessions() as session:
        due = await alerts.due(session)
    sent = 0
    for alert_id in due:
        async with deps.sessions.begin() as session:
            alert = await alerts.claim(session, alert_id)
            user = await session.get(User, alert.chat_id) if alert is not None else None
        if alert is None:
            continue  # another process has it
        ok = await _send(context, alert, translator(users.locale_of(user)))
        async with deps.sessions.begin() as session:
            await alerts.finish(session, alert_id, ok)
        sent += ok
    return sent if len(due) == alerts.BATCH else 0


async def _send(context: BotContext, alert: Alert, t: Translator) -> bool:
    text, keyboard = render(alert.kind, alert.params, t)
    try:
        await context.bot.send_html(alert.chat_id, text, keyboard=keyboard)
    except Forbidden:  # the shopper blocked the bot: nothing more to try
        log.info("alert %s: chat %s blocked the bot", alert.id, alert.chat_id)
        return True
    except TelegramError as exc:
        log.warning("alert %s not sent: %s", alert.id, exc)
        return False
    return True


def render(kind: str, params: dict[str, Any], t: Translator) -> tuple[str, Any]:
    """The alert's HTML and buttons in the shopper's language."""
    order_id = int(params.get("order_id", 0))
    total = _money(t, params.get("total_minor"), params.get("currency"))
    amount = _money(t, params.get("amount_minor"), params.get("currency"))
    _ = t.gettext
    texts = {
        "paid": _("✅ Payment received for order #{order}: {amount}. We will buy it for you now."),
        "payment_pending": _(
            "⏳ Order #{order}: your payment is being processed. "
            "We will tell you when it is confirmed."
        ),
        "payment_failed": _(
            "❌ Order #{order}: the payment did not go through. "
            "Your cart is kept: check out again with /cart."
        ),
        "expired": _(
            "⌛ Order #{order}: the payment link expired. "
            "Your cart is kept: check out again with /cart."
        ),
        "paid_after_close": _(
            "↩️ Order #{order} was already closed when your payment arrived: "
            "it is being refunded in full."
        ),
        "refund_started": _("↩️ Order #{order}: a refund of {value} is on its way."),
        "unavailable_refund": _(
            "↩️ Order #{order}: an item sold out at the seller after you paid. "
            "Your payment is being refunded in full."
        ),
        "price_rose": _(
            "⚠️ Order #{order}: the seller raised the price after you paid. "
            "Pay the difference of {value}, or cancel and get everything back."
        ),
        "difference_paid": _("✅ Order #{order}: difference of {value} received. We buy it now."),
        "refunded": _("↩️ Order #{order}: {value} has been refunded."),
    }
    template = texts.get(kind, _("Order #{order} has news: see /orders."))
    text = escape(template).format(order=order_id, amount=escape(total), value=escape(amount))
    keyboard = markup([button(_("Open the order"), "od", order_id)]) if order_id else None
    if kind == "price_rose" and order_id:
        keyboard = markup(
            [button("💳 " + _("Pay {value}").format(value=amount), "pd", order_id)],
            [button(_("Cancel and refund"), "px", order_id)],
        )
    return text, keyboard


def _money(t: Translator, minor: object, currency: object) -> str:
    if not isinstance(minor, int) or not isinstance(currency, str):
        return ""
    value = Money.of_minor(minor, currency)
    return t.money(value.amount, value.currency)
