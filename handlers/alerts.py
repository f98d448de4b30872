"""Sending the alerts outbox: payment, order and parcel news, in each shopper's language.

Fed as a ServiceUpdate("alerts") after a commit queued alerts (payments, operators' steps,
courier updates) and by the housekeeping every minute (retries due, what a process that died
left behind; bot/runtime.py).
Alerts are claimed right before they are sent, so two processes never send the same one, and
marked sent as soon as Telegram took each (a process killed mid-fan-out resends only what was
in flight). Every send goes through the bot's pacer (bot/telegram/pacer.py) marked as an alert:
replies go first, one alert a second per chat. A failure is retried after a doubling backoff; a
chat that blocked the bot is skipped until it is back (my_chat_member); the text is rendered at
send time in the shopper's current language, with the buttons its news calls for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import TypeHandler

from bot.i18n import Translator, translator
from bot.models import Alert, User
from bot.process.deps import Deps
from bot.services import alerts, fulfilment, users
from bot.telegram.bot import ShopBot
from bot.telegram.pacer import ALERT
from bot.telegram.updates import ServiceUpdate
from handlers.context import BotContext
from handlers.keyboards import button, markup
from handlers.track import carrier_title, status_text
from integrations.money import Money

CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH

log = logging.getLogger(__name__)

SOURCE = "alerts"
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
    """Send one batch of due alerts: claimed in one statement right before sending, the chats
    at once (the pacer keeps every limit), each chat's alerts in order. Returns how many were
    taken when the batch was full (more may wait), else 0."""
    deps = context.deps
    async with deps.sessions() as session:
        due = await alerts.due(session, alerts.BATCH)
    if not due:
        return 0
    async with deps.sessions.begin() as session:
        claimed = await alerts.claim_many(session, due)
        users = await _users(session, {a.chat_id for a in claimed})
    chats: dict[int, list[Alert]] = {}
    for alert in claimed:
        chats.setdefault(alert.chat_id, []).append(alert)
    marker = _Marker(deps)
    await asyncio.gather(*(_send_chat(context, marker, users.get(c), a) for c, a in chats.items()))
    await marker.flush()
    return len(due) if len(due) == alerts.BATCH else 0


async def _users(session: AsyncSession, ids: set[int]) -> dict[int, User]:
    found = await session.execute(select(User).where(User.id.in_(ids)))
    return {u.id: u for u in found.scalars()}


async def _send_chat(
    context: BotContext, marker: _Marker, user: User | None, queued: list[Alert]
) -> None:
    t = translator(users.locale_of(user))
    for i, alert in enumerate(queued):
        outcome = await _send(context, alert, t)
        if outcome == "sent":
            marker.sent(alert.id)
            continue
        async with context.deps.sessions.begin() as session:
            if outcome == "blocked":  # this and the rest of the chat's wait until it is back
                await alerts.block(session, alert.chat_id)
                await alerts.release(session, [a.id for a in queued[i:]])
                return
            if outcome == "refused":
                await alerts.give_up(session, alert.id)
            else:
                await alerts.retry_later(session, alert)


class _Marker:
    """Marks alerts sent as soon as Telegram took them, a few per transaction when they come
    fast (one write while the previous is under way), so a process killed mid-fan-out leaves
    as few sent-but-unmarked alerts as possible."""

    def __init__(self, deps: Deps) -> None:
        self.deps, self._ids, self._writing = deps, list[int](), asyncio.Lock()

    def sent(self, alert_id: int) -> None:
        self._ids.append(alert_id)
        if not self._writing.locked():
            asyncio.get_running_loop().create_task(self.flush())

    async def flush(self) -> None:
        async with self._writing:
            ids, self._ids = self._ids, []
            if ids:
                async with self.deps.sessions.begin() as session:
                    await alerts.sent(session, ids)


async def _send(context: BotContext, alert: Alert, t: Translator) -> str:
    """sent, blocked (the chat blocked the bot), refused (Telegram will never take it) or
    failed (try again later)."""
    text, keyboard = render(alert.kind, alert.params, t)
    photos = [p for p in alert.params.get("photos", []) if isinstance(p, str)]
    try:
        if photos:
            await _send_photos(context.bot, alert.chat_id, photos, text, keyboard)
        else:
            await context.bot.send_html(alert.chat_id, text, keyboard=keyboard, alert=True)
    except Forbidden:
        log.info("alert %s: chat %s blocked the bot", alert.id, alert.chat_id)
        return "blocked"
    except BadRequest as exc:
        if "chat not found" in str(exc).lower():
            return "blocked"
        log.warning("alert %s refused by Telegram: %s", alert.id, exc)
        return "refused"
    except TelegramError as exc:
        log.warning("alert %s not sent: %s", alert.id, exc)
        return "failed"
    return "sent"


async def _send_photos(
    bot: ShopBot, chat_id: int, photos: list[str], text: str, keyboard: InlineKeyboardMarkup | None
) -> None:
    """QC photos, one message each (the pacer spaces them a second apart in the chat), the
    last with the text and its buttons as caption (as a message of its own when too long)."""
    pace = ALERT if bot.rate_limiter is not None else None  # no limiter: no such argument
    *first, last = photos[: fulfilment.MAX_PHOTOS]
    for photo in first:
        await bot.send_photo(chat_id, photo, rate_limit_args=pace)
    if len(text) <= CAPTION_LIMIT:
        await bot.send_photo(
            chat_id, last, caption=text, reply_markup=keyboard, rate_limit_args=pace
        )
        return
    await bot.send_photo(chat_id, last, rate_limit_args=pace)
    await bot.send_html(chat_id, text, keyboard=keyboard, alert=True)


async def chat_member(update: Update, context: BotContext) -> None:
    """A private chat blocked the bot (its alerts wait) or came back (they are sent)."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    status = change.new_chat_member.status
    async with context.deps.sessions.begin() as session:
        if status in ("kicked", "left"):
            await alerts.block(session, change.chat.id)
            back = False
        else:
            back = await alerts.unblock(session, change.chat.id)
    if back:
        await send_due(ServiceUpdate(SOURCE, "unblocked"), context)


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
        "purchased": _("🛒 Order #{order}: bought at the seller. We tell you when it ships."),
        "seller_shipped": _("🚚 Order #{order}: the seller shipped it to our warehouse."),
        "warehouse_received": _(
            "🏬 Order #{order} arrived at our warehouse. Photos for your check follow."
        ),
        "qc_photos": _(
            "📷 Order #{order}: here is what arrived. Approve it and we store it until it "
            "ships, or ask for a return."
        ),
        "shipped": _("✈️ Order #{order} is on its way: {carrier} {number}. Follow it with /track."),
    }
    if kind == "tracking":
        return track_alert(params, t)
    template = texts.get(kind, _("Order #{order} has news: see /orders."))
    text = escape(template).format(
        order=order_id, amount=escape(total), value=escape(amount),
        number=f"<code>{escape(str(params.get('number', '')))}</code>",
        carrier=escape(carrier_title(str(params.get("carrier") or ""))),
    )  # fmt: skip
    keyboard = markup([button(_("Open the order"), "od", order_id)]) if order_id else None
    if kind == "price_rose" and order_id:
        keyboard = markup(
            [button("💳 " + _("Pay {value}").format(value=amount), "pd", order_id)],
            [button(_("Cancel and refund"), "px", order_id)],
        )
    if kind == "qc_photos" and order_id:
        keyboard = markup(
            [button("✅ " + _("Approve"), "qa", order_id)],
            [button("↩️ " + _("Return"), "qr", order_id)],
        )
    return text, keyboard


# Tracking news that needs the shopper to act: a button to the courier's page.
ACTION = frozenset({"customs_action_required", "delivery_failed", "available_for_pickup",
                    "exception"})  # fmt: skip
TRACKING_PAGE = "https://t.17track.net/en#nums={number}"


def track_alert(params: dict[str, Any], t: Translator) -> tuple[str, Any]:
    """A parcel's new status: what it means, where and when the courier saw it, and buttons
    to its history, to stop the alerts and, when the shopper must act, to the courier's page."""
    _ = t.gettext
    status = str(params.get("status") or "")
    number = str(params.get("number", ""))
    tracking_id = int(params.get("tracking_id", 0))
    lines = [f"📦 <code>{escape(number)}</code>: <b>{escape(status_text(t, status))}</b>"]
    seen = " · ".join(str(params.get(k) or "") for k in ("message", "location") if params.get(k))
    if seen:
        lines.append(escape(seen))
    if status in ACTION:
        lines.append(escape(_("Action needed: see the courier's page.")))
    rows = [[button(_("History"), "th", tracking_id), button(_("Stop alerts"), "tu", tracking_id)]]
    if status in ACTION:
        url = TRACKING_PAGE.format(number=quote(number, safe=""))
        rows.insert(0, [InlineKeyboardButton(_("Open at the courier"), url=url)])
    return "\n".join(lines), markup(*rows)


def _money(t: Translator, minor: object, currency: object) -> str:
    if not isinstance(minor, int) or not isinstance(currency, str):
        return ""
    value = Money.of_minor(minor, currency)
    return t.money(value.amount, value.currency)
