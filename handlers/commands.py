"""The command menu: one list, shown by /help and set in Telegram per language at start."""

from __future__ import annotations

from telegram import BotCommand, BotCommandScopeChat
from telegram.ext import ExtBot

from bot.i18n import DEFAULT_LOCALE, N_, available_locales, telegram_language_code, translator

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Welcome and what I can do")),
    ("help", N_("How to use the bot")),
    ("search", N_("Search the catalog")),
    ("categories", N_("Browse the catalog by category")),
    ("language", N_("Change the language")),
    ("settings", N_("Currency and destination country")),
    ("cart", N_("Your cart and checkout")),
    ("orders", N_("Your orders and their timeline")),
    ("track", N_("Follow a parcel by its tracking number")),
    ("watches", N_("Price and stock watches")),
    ("mydeals", N_("What your deals in groups brought")),
)


def bot_commands(locale: str) -> list[BotCommand]:
    t = translator(locale)
    return [BotCommand(name, t.gettext(desc)) for name, desc in COMMANDS]


async def publish(bot: ExtBot[None]) -> None:
    """Set the command menu for every shipped language (and the default, in English)."""
    await bot.set_my_commands(bot_commands(DEFAULT_LOCALE))
    for locale in available_locales():
        await bot.set_my_commands(
            bot_commands(locale), language_code=telegram_language_code(locale)
        )


async def publish_for_chat(bot: ExtBot[None], chat_id: int, locale: str) -> None:
    """Show the menu in the language a user chose, whatever their Telegram app's language."""
    await bot.set_my_commands(bot_commands(locale), scope=BotCommandScopeChat(chat_id))
