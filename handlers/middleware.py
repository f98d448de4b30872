"""Cross-cutting work done for every update before any handler (group -1)."""

from __future__ import annotations

from telegram import Update

from bot.i18n import translator
from bot.services import users
from handlers.context import BotContext


async def load_user(update: object, context: BotContext) -> None:
    """Record the user and pick the language every later handler replies in."""
    if not isinstance(update, Update) or update.effective_user is None:
        return
    tg_user = update.effective_user
    async with context.deps.sessions.begin() as session:
        account = await users.touch(session, tg_user.id, tg_user.language_code)
    context.account = account
    context.t = translator(users.locale_of(account, tg_user.language_code))
