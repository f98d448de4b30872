"""A pasted Taobao / Tmall / JD / Pinduoduo / 1688 / Weidian link -> the product card."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.ext import filters

from bot.services import links, users
from handlers.cards import product_card, send_card
from handlers.context import BotContext
from handlers.money import cached_rates
from integrations.errors import IntegrationError, NotFound, Rejected, Unavailable
from integrations.registry import Link, NotConfigured

log = logging.getLogger(__name__)


class HasMarketplaceLink(filters.MessageFilter):
    """Text that contains a product link of a marketplace we know."""

    def filter(self, message: Message) -> bool:
        return bool(message.text and links.find(message.text, limit=1))


MARKETPLACE_LINK = HasMarketplaceLink(name="HasMarketplaceLink")


async def product_link(update: Update, context: BotContext) -> None:
    """Fetch the linked products live and show their cards."""
    message = update.effective_message
    assert message is not None and message.text is not None
    for link in links.find(message.text):
        await message.reply_chat_action(ChatAction.TYPING)
        await _show(message, context, link)


async def _show(message: Message, context: BotContext, link: Link) -> None:
    deps = context.deps
    try:
        opened = await links.open_link(link, deps.provider_env, deps.http, deps.sessions)
    except IntegrationError as exc:
        log.info("link %s: %r", link.url[:200], exc)
        await message.reply_text(explain(context, link, exc))
        return
    rates = await cached_rates(context)
    target = users.currency_of(context.account, deps.settings.default_currency)
    card = product_card(
        opened.product, context.t, opened.marketplace_title, target=target, rates=rates
    )
    await send_card(message, card)


def explain(context: BotContext, link: Link, exc: IntegrationError) -> str:
    """What went wrong, in the user's language and without provider jargon."""
    name = links.title_of(link.marketplace)
    if isinstance(exc, NotConfigured):
        return context.h(
            "Links from {marketplace} can't be opened here yet: this bot has no access to the "
            "{marketplace} catalog. Try a link from another marketplace.",
            marketplace=name,
        )
    if isinstance(exc, NotFound):
        return context.h(
            "This product was not found on {marketplace}. It may have been removed.",
            marketplace=name,
        )
    if isinstance(exc, Unavailable):
        return context.h(
            "{marketplace} is not answering right now. Please try again in a few minutes.",
            marketplace=name,
        )
    assert isinstance(exc, Rejected)
    return context.h("{marketplace} refused to show this product.", marketplace=name)
