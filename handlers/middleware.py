"""Cross-cutting work done for every update before any handler (group -1)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.services import users
from handlers.context import BotContext


async def load_user(update: object, context: BotContext) -> None:
    """Record the user and pick the language every later handler replies in.

    If this fails, no feature handler may run on a half-prepared context: the failure goes to
    the error handler (one apology) and processing of the update stops.
    """
    if not isinstance(update, Update) or update.effective_user is None:
        return
    tg_user = update.effective_user
    cache = context.deps.users
    try:
        account = cache.get(tg_user.id)
        if account is None or users.needs_touch(account, tg_user.language_code):
            # Not cached (first contact, or not seen for minutes): one upsert both records the
            # visit and reads the row (a read then a write took twice the trips), batched with
            # the other updates' visits.
            account, generation = await context.deps.visits.record(
                tg_user.id, tg_user.language_code
            )
            cache.put(account, generation)
    except Exception as exc:
        await context.application.process_error(update, exc)
        raise ApplicationHandlerStop from exc
    context.account = account
    context.t = users.translator_for(account, tg_user.language_code)
