"""What the user gets for anything no feature handles: a short hint, or silence where apt."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler

from handlers.context import BotContext

log = logging.getLogger(__name__)


class EmptyButton(BaseHandler[Update, BotContext, None]):
    """A button press without callback data. PTB hands such a press to every pattern handler
    as a match, so this one is registered before them."""

    def check_update(self, update: object) -> bool:
        press = update.callback_query if isinstance(update, Update) else None
        return press is not None and not press.data and not press.game_short_name

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


async def ignore_edit(update: Update, context: BotContext) -> None:
    """Ignore edits of earlier messages: acting twice on one message surprises people."""
    raise ApplicationHandlerStop


async def unknown_command(update: Update, context: BotContext) -> None:
    """Say the command is unknown and point at /help."""
    assert update.effective_message is not None
    await context.reply(
        update.effective_message,
        context.h("I don't know that command. See /help for what I can do."),
    )


async def other_content(update: Update, context: BotContext) -> None:
    """Explain that stickers, photos and the like are not understood."""
    assert update.effective_message is not None
    await context.reply(
        update.effective_message,
        context.h("I can only read text messages. See /help for what I can do."),
    )


async def stale_button(update: Update, context: BotContext) -> None:
    """Answer a button whose data no handler recognises (old or forged)."""
    query = update.callback_query
    assert query is not None
    log.info("unknown callback data %r", (query.data or "")[:64])
    await query.answer(context._("This button is no longer valid."), show_alert=False)
