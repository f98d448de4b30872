"""A pasted Taobao / Tmall / JD / Pinduoduo / 1688 / Weidian link -> the product card."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.ext import filters

from bot.services import links, products
from handlers.context import BotContext
from handlers.product import show_product


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


async def _show(message: Message, context: BotContext, link: links.Link) -> None:
    deps = context.deps
    try:
        fetched = await links.fetch(link, deps.provider_env, deps.http)
    except links.LinkFailed as failed:
        await context.reply(message, explain(context, failed))
        return
    async with deps.sessions.begin() as session:
        product_id = await links.remember(session, fetched)
    if not await show_product(message, context, product_id):
        await context.reply(message, context.h("This product is no longer available."))


def explain(context: BotContext, failed: links.LinkFailed) -> str:
    """What went wrong, in the user's language and without provider jargon."""
    name = products.marketplace_title(failed.link.marketplace)
    if failed.problem is links.Problem.NOT_CONFIGURED:
        return context.h(
            "Links from {marketplace} can't be opened here yet: this bot has no access to the "
            "{marketplace} catalog. Try a link from another marketplace.",
            marketplace=name,
        )
    if failed.problem is links.Problem.NOT_FOUND:
        return context.h(
            "This product was not found on {marketplace}. It may have been removed.",
            marketplace=name,
        )
    if failed.problem is links.Problem.UNAVAILABLE:
        return context.h(
            "{marketplace} is not answering right now. Please try again in a few minutes.",
            marketplace=name,
        )
    return context.h("{marketplace} refused to show this product.", marketplace=name)
