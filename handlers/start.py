"""/start (with an optional deep-link payload) and /help."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatType

from bot.services import catalog
from bot.services.users import currency_of
from handlers.commands import COMMANDS, needs_own_menu, publish_for_chat
from handlers.context import BotContext

log = logging.getLogger(__name__)

DEEP_LINK_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DeepLinkHandler = Callable[[Update, BotContext, str], Awaitable[bool]]
# Payload prefix (before the first "_") -> opener. Later features register here, e.g. "p" for a
# product card. An opener returns False when the payload does not name anything it can open.
DEEP_LINKS: dict[str, DeepLinkHandler] = {}


async def start(update: Update, context: BotContext) -> None:
    """Greet the user in their language, or open what a deep link points at."""
    payload = context.args[0] if context.args else ""
    if payload and await _open_deep_link(update, context, payload):
        return
    assert update.effective_message is not None
    await context.reply(update.effective_message, await greeting(update, context))
    user, chat = update.effective_user, update.effective_chat
    if user and chat and chat.type == ChatType.PRIVATE:
        if needs_own_menu(context.t.locale, user.language_code):
            await publish_for_chat(context.bot, chat.id, context.t.locale)


async def _open_deep_link(update: Update, context: BotContext, payload: str) -> bool:
    if not DEEP_LINK_RE.fullmatch(payload):
        log.info("ignoring malformed deep-link payload of %d chars", len(payload))
        return False
    opener = DEEP_LINKS.get(payload.split("_", 1)[0])
    if opener is None:
        log.info("ignoring unknown deep-link payload %r", payload)
        return False
    return await opener(update, context, payload)


async def greeting(update: Update, context: BotContext) -> str:
    h = context.h
    user = update.effective_user
    account = context.account
    currency = currency_of(account, context.deps.settings.default_currency)
    lines = [
        h("👋 Hi, {name}!", name=user.first_name if user else ""),
        "",
        h(
            "I help you buy from Chinese marketplaces (Taobao, Tmall, JD, Pinduoduo, 1688, "
            "Weidian) and ship the goods to you."
        ),
        "",
        h("• Tell me what you are looking for, in your own language."),
        h("• Or paste a link to a product on a Chinese marketplace."),
        h(
            "• I show the full cost in {currency}, delivery included.",
            currency=currency,
        ),
    ]
    async with context.deps.sessions() as session:
        products = await catalog.count_products(session, available_only=True)
    if products:
        lines += [
            "",
            context.hn(
                "There is {n} product in the catalog.",
                "There are {n} products in the catalog.",
                products,
            ),
        ]
    if account is None or account.country is None:
        lines += ["", h("Where should we ship? Choose your country in /settings.")]
    lines += ["", h("All commands: /help")]
    return "\n".join(lines)


async def help_command(update: Update, context: BotContext) -> None:
    """List what the bot can do, in the user's language."""
    h = context.h
    title = h("What I can do")
    lines = [f"<b>{title}</b>", ""]
    lines += [f"/{name} - {h(desc)}" for name, desc in COMMANDS]
    assert update.effective_message is not None
    await context.reply(update.effective_message, "\n".join(lines))
