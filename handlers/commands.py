"""The command menu and the bot's profile (name, description, short description) in every
language: one list of commands, shown by /help and set in Telegram at start.

Telegram keys both by a two-letter language_code, so one locale speaks for each code: the one a
bare code negotiates to (zh -> zh_Hans, pt -> pt_BR). A shopper whose locale is another one of
that code (zh_Hant, with Telegram's language_code zh-hant or zh-tw) gets the menu in their
locale for their chat alone (`publish_for_chat`, at /start and when they choose a language);
the profile has no per-chat form, so they read it in the code's locale.
"""

from __future__ import annotations

import asyncio
import logging
from functools import cache

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.i18n import (
    DEFAULT_LOCALE,
    N_,
    available_locales,
    negotiate,
    telegram_language_code,
    translator,
)

log = logging.getLogger(__name__)

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
NAME = N_("shopbot: shopping from China")
DESCRIPTION = (
    N_(
        "I help you buy from Chinese marketplaces (Taobao, Tmall, JD, Pinduoduo, 1688, "
        "Weidian) and ship the goods to you."
    ),
    N_("• Tell me what you are looking for, in your own language."),
    N_("• Or paste a link to a product on a Chinese marketplace."),
)
SHORT_DESCRIPTION = N_("Goods from China, delivered to your door.")


def bot_commands(locale: str) -> list[BotCommand]:
    t = translator(locale)
    return [BotCommand(name, t.gettext(desc)) for name, desc in COMMANDS]


@cache
def code_locales() -> dict[str, str]:
    """Telegram language_code -> the locale that speaks for it (`zh` -> `zh_Hans`)."""
    codes = {telegram_language_code(locale) for locale in available_locales()}
    return {code: negotiate(code) for code in sorted(codes)}


def needs_own_menu(locale: str, telegram_language: str | None) -> bool:
    """Whether Telegram, left to the language_code, would show this user a menu in another
    locale than theirs (a zh_Hant reader whose app says zh-hant gets the `zh` menu)."""
    shown = code_locales().get(telegram_language_code((telegram_language or "").replace("-", "_")))
    return (shown or DEFAULT_LOCALE) != locale


async def publish(bot: ExtBot[None]) -> None:
    """Set the command menu and the profile for every language code (and the default, in
    English), the codes side by side: some sixty requests take a few round trips, not sixty,
    before the bot starts. A profile text already set is not set again: Telegram allows few
    changes a day."""
    await asyncio.gather(
        _publish(bot, DEFAULT_LOCALE, None),
        *(_publish(bot, locale, code) for code, locale in code_locales().items()),
    )


async def _publish(bot: ExtBot[None], locale: str, code: str | None) -> None:
    await bot.set_my_commands(bot_commands(locale), language_code=code)
    t = translator(locale)
    name = t.gettext(NAME)[:64]
    description = "\n".join(t.gettext(line) for line in DESCRIPTION)[:512]
    short = t.gettext(SHORT_DESCRIPTION)[:120]
    if (await bot.get_my_name(code)).name != name:
        await bot.set_my_name(name, code)
    if (await bot.get_my_description(code)).description != description:
        await bot.set_my_description(description, code)
    if (await bot.get_my_short_description(code)).short_description != short:
        await bot.set_my_short_description(short, code)


async def publish_for_chat(bot: ExtBot[None], chat_id: int, locale: str) -> None:
    """Show the menu in the language a user chose, whatever their Telegram app's language.
    The menu is a nicety: a failure is logged, and the user's choice stands."""
    try:
        await bot.set_my_commands(bot_commands(locale), scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("could not set the command menu for chat %s: %s", chat_id, exc)
