"""/language: pick the bot's language; the choice wins over Telegram's language_code."""

from __future__ import annotations

from telegram import InlineKeyboardButton, Message, Update

from bot.i18n import available_locales, display_name, translator
from bot.services import users
from handlers.commands import publish_for_chat
from handlers.context import BotContext
from handlers.keyboards import button, grid, markup

PATTERN = r"^lang(?::(?P<code>[A-Za-z_]{2,16}))?$"


def language_keyboard(current: str) -> list[list[InlineKeyboardButton]]:
    return grid(
        (
            button(("✓ " if loc == current else "") + display_name(loc), "lang", loc)
            for loc in available_locales()
        ),
        columns=2,
    )


async def language_command(update: Update, context: BotContext) -> None:
    """Offer every shipped language as a button."""
    assert update.effective_message is not None
    await context.reply(
        update.effective_message,
        context.h("Choose your language:"),
        markup(*language_keyboard(context.t.locale)),
    )


async def choose_language(update: Update, context: BotContext) -> None:
    """Store the chosen language and confirm in it (without a code: offer the choices)."""
    query = update.callback_query
    assert query is not None and context.match is not None and update.effective_user is not None
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        await query.answer(context._("This button is no longer valid."))
        return
    code = context.match["code"]
    if code is None:  # "Language" on the settings screen: show the choices in place
        await query.answer()
        await context.edit(
            message,
            context.h("Choose your language:"),
            markup(*language_keyboard(context.t.locale)),
        )
        return
    try:
        async with context.deps.sessions.begin() as session:
            await users.set_language(session, update.effective_user.id, code)
    except users.InvalidChoice:
        await query.answer(context._("This language is not available."), show_alert=True)
        return
    context.t = translator(code, context.t.tz)
    await query.answer()
    await context.edit(message, context.h("Language set: {name}", name=display_name(code)))
    if update.effective_chat is not None:
        await publish_for_chat(context.bot, update.effective_chat.id, code)
