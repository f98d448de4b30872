"""A product's card: opened from a search result or a deep link, with a button per variant."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.i18n import translator
from bot.services import catalog, links, titles
from handlers.cards import product_card, send_card
from handlers.context import BotContext
from handlers.money import cached_rates, target_currency
from integrations.types import Product

PRODUCT = r"^pv:(?P<id>\d{1,15})$"
SKU = r"^sk:(?P<id>\d{1,15}):(?P<index>\d{1,3})$"


async def product_button(update: Update, context: BotContext) -> None:
    """Open the product card of a search result."""
    query = update.callback_query
    assert query is not None and context.match is not None
    opened = await show_product(query.message if isinstance(query.message, Message) else None,
                                context, int(context.match["id"]))  # fmt: skip
    await query.answer(None if opened else context._("This product is no longer available."))


async def open_product_link(update: Update, context: BotContext, payload: str) -> bool:
    """Deep link /start p_<id>: the product's card."""
    number = payload.removeprefix("p_")
    if not number.isdigit():
        return False
    return await show_product(update.effective_message, context, int(number))


async def show_product(message: Message | None, context: BotContext, product_id: int) -> bool:
    if message is None:
        return False
    product, translated = await load(context, product_id)
    rates = await cached_rates(context)
    if product is None or not product.skus:
        return False
    card = product_card(
        product, translator(context.t.locale), links.title_of(product.marketplace),
        product_id=product_id, target=target_currency(context), rates=rates, translated=translated,
    )  # fmt: skip
    await send_card(message, card)
    return True


async def sku_button(update: Update, context: BotContext) -> None:
    """Show one variant's own price and stock on the card."""
    query = update.callback_query
    assert query is not None and context.match is not None
    product_id, index = int(context.match["id"]), int(context.match["index"])
    product, translated = await load(context, product_id)
    rates = await cached_rates(context)
    message = query.message if isinstance(query.message, Message) else None
    if product is None or message is None or index >= len(product.skus):
        await query.answer(context._("This product is no longer available."))
        return
    card = product_card(
        product, context.t, links.title_of(product.marketplace),
        product_id=product_id, selected=index, target=target_currency(context), rates=rates,
        translated=translated,
    )  # fmt: skip
    await query.answer()
    try:
        if message.photo:
            await message.edit_caption(
                card.text, parse_mode=ParseMode.HTML, reply_markup=card.keyboard
            )
        else:
            await message.edit_text(
                card.text, parse_mode=ParseMode.HTML, reply_markup=card.keyboard
            )
    except BadRequest as exc:  # the variant already shown was pressed again
        if "not modified" not in str(exc):
            raise


async def load(context: BotContext, product_id: int) -> tuple[Product | None, str | None]:
    """A stored product and its title's stored translation into the user's language."""
    language = context.t.locale.split("_")[0]
    async with context.deps.sessions() as session:
        product = await catalog.load(session, product_id)
        found = await titles.titles(session, [product_id], language) if product else {}
    return product, found.get(product_id)
