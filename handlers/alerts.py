"""Sending the alerts outbox: payment, order and parcel news, in each shopper's language.

Fed as a ServiceUpdate("alerts") after a commit queued alerts (payments, operators' steps,
courier updates) and by the housekeeping every minute (retries due, what a process that died
left behind; bot/runtime.py, which also kicks it at start).
Up to WINDOW chats are sent to at once, each its alerts in order, a chat done making room for
the next due: the pacer (bot/telegram/pacer.py; every send marked as an alert) keeps replies
first, one alert a second in a chat and the bot's overall rate. A chat's alerts are claimed a
few at a time right before they are sent, so two processes never send the same one, and each
is marked sent as soon as Telegram took it (a process killed mid-fan-out can only resend the
one in flight). A failure is retried after a doubling backoff; a chat that blocked the bot is
skipped until it is back (my_chat_member); the text is rendered at send time in the shopper's
current language (handlers/alert_texts.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import TypeHandler

from bot.i18n import Translator
from bot.models import Alert, User
from bot.process.deps import Deps
from bot.services import alerts, fulfilment, users
from bot.telegram.bot import ShopBot
from bot.telegram.pacer import ALERT
from bot.telegram.updates import ServiceUpdate
from handlers.alert_texts import render
from handlers.context import BotContext

CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH

log = logging.getLogger(__name__)

SOURCE = "alerts"
SENDING = "alerts.sending"  # bot_data key: one sender per process at a time, in order
WINDOW = 64  # chats being sent to at once


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
        await _Fanout(context).run()


class _Fanout:
    """Up to WINDOW chats sent to at once, each its alerts in order (the pacer spaces them:
    one a second in a chat, the bot's rate overall). A chat done makes room for the next one
    due, so the bot's budget never waits for a slow chat, and one chat's many alerts never
    hold up the others'."""

    def __init__(self, context: BotContext) -> None:
        self.context, self.marker = context, _Marker(context.deps)
        self.active: dict[int, asyncio.Task[None]] = {}

    async def run(self) -> None:
        try:
            while True:
                room = WINDOW - len(self.active)
                if room > 0:
                    async with self.context.deps.sessions() as session:
                        chats = await alerts.due_chats(session, room, set(self.active))
                    for chat_id in chats:
                        self.active[chat_id] = asyncio.create_task(self._chat(chat_id))
                if not self.active:
                    return
                await asyncio.wait(self.active.values(), return_when=asyncio.FIRST_COMPLETED)
                for chat_id, task in list(self.active.items()):
                    if task.done():
                        del self.active[chat_id]
                        if not task.cancelled() and task.exception() is not None:
                            log.warning("alerts to chat %s: %r", chat_id, task.exception())
        finally:
            for task in self.active.values():
                task.cancel()
            await self.marker.flush()

    async def _chat(self, chat_id: int) -> None:
        """Claim a few of the chat's due alerts right before sending them, send them, again
        until none is left (or the chat turned out blocked)."""
        deps = self.context.deps
        while True:
            async with deps.sessions.begin() as session:
                claimed = await alerts.claim_chat(session, chat_id, alerts.PER_CHAT)
                user = await session.get(User, chat_id) if claimed else None
            if not claimed:
                return
            if not await _send_chat(self.context, self.marker, user, claimed):
                return
            if len(claimed) < alerts.PER_CHAT:
                return


async def _send_chat(
    context: BotContext, marker: _Marker, user: User | None, queued: list[Alert]
) -> bool:
    """Send `queued` (claimed) in order; False when the chat turned out to have blocked the
    bot (the rest wait until it is back)."""
    t = users.translator_for(user)
    for i, alert in enumerate(queued):
        outcome = await _send(context, alert, t)
        if outcome == "sent":
            marker.sent(alert.id)
            continue
        async with context.deps.sessions.begin() as session:
            if outcome == "blocked":
                await alerts.block(session, alert.chat_id)
                await alerts.release(session, [a.id for a in queued[i:]])
                return False
            if outcome == "refused":
                await alerts.give_up(session, alert.id)
            else:
                await alerts.retry_later(session, alert)
    return True


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
