"""The one error handler: log with the update id, apologise in the user's language."""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.error import Forbidden, RetryAfter, TelegramError

from bot.faults import infrastructure
from bot.i18n import Translator
from bot.services import users
from bot.telegram.app import failed
from handlers.context import BotContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log every failure; tell the user briefly, never with a traceback. A failure of the
    infrastructure (the database away) gets no apology: the update is delivered again and
    answered then."""
    update_id = update.update_id if isinstance(update, Update) else None
    failed(context.error)
    deps = context.application.bot_data.get("deps")
    if deps is not None:
        deps.metrics.update_errors.inc()
    if infrastructure(context.error):
        log.warning("update %s must come again: %r", update_id, context.error)
        return
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update) or isinstance(context.error, Forbidden | RetryAfter):
        return  # the user blocked us, or Telegram asks for quiet: a message would fail too
    apology = _language_of(update, context).gettext(
        "Sorry, something went wrong on our side. Please try again in a moment."
    )
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(apology, show_alert=True)
        elif update.effective_chat is not None and _was_addressed(update):
            await context.bot.send_html(update.effective_chat.id, escape(apology, quote=False))
    except TelegramError as exc:
        log.warning("could not apologise for update %s: %s", update_id, exc)


def _language_of(update: Update, context: BotContext) -> Translator:
    """The user's language without the database (which may be what failed): their cached
    account if any, else the language Telegram reports. (PTB gives the error handler a fresh
    context: the one the failed handler had is gone.)"""
    user = update.effective_user
    if user is None:
        return context.t
    deps = context.application.bot_data.get("deps")
    account = deps.users.get(user.id) if deps is not None else None
    return users.translator_for(account, user.language_code)


def _was_addressed(update: Update) -> bool:
    """In a private chat always; in groups only when a command was sent to us."""
    chat, message = update.effective_chat, update.effective_message
    if chat is not None and chat.type == "private":
        return True
    return bool(message and message.text and message.text.startswith("/"))
