"""A product's card: opened from a search result, a link or a deep link, a button per variant."""

from __future__ import annotations

from telegram import InlineKeyboardButton, Message, Update

from bot.services import products
from handlers import wanted
from handlers.cards import BACK, product_card
from handlers.context import BotContext
from handlers.money import cached_rates, target_currency

PRODUCT = r"^pv:(?P<id>\d{1,15})$"
SKU = r"^sk:(?P<id>\d{1,15}):(?P<index>\d{1,3})$"
CLOSE = rf"^{BACK}$"


async def product_button(update: Update, context: BotContext) -> None:
    """Open the product card of a search result."""
    query = update.callback_query
    assert query is not None and context.match is not None
    message = query.message if isinstance(query.message, Message) else None
    opened = await show_product(message, context, int(context.match["id"]), back=True)
    await query.answer(None if opened else context._("This product is no longer available."))


async def open_product_link(update: Update, context: BotContext, payload: str) -> bool:
    """Deep link /start p_<id>: the product's card."""
    number = payload.removeprefix("p_")
    if not number.isdigit():
        return False
    return await show_product(update.effective_message, context, int(number))


async def show_product(
    message: Message | None, context: BotContext, product_id: int, *, back: bool = False
) -> bool:
    """Reply to `message` with the product's card (with `back`, a button that closes it);
    False when there is nothing to show."""
    if message is None:
        return False
    product = await load(context, product_id)
    if product is None or not product.skus:
        return False
    rates = await cached_rates(context)
    card = product_card(product, context.t, back=back, target=target_currency(context), rates=rates)
    await context.reply(message, card.text, card.keyboard, photo=card.photo)
    return True


async def sku_button(update: Update, context: BotContext) -> None:
    """Show one variant's own price and stock on the card."""
    query = update.callback_query
    assert query is not None and context.match is not None
    product_id, index = int(context.match["id"]), int(context.match["index"])
    product = await load(context, product_id)
    message = query.message if isinstance(query.message, Message) else None
    if product is None or message is None or index >= len(product.skus):
        await query.answer(context._("This product is no longer available."))
        return
    rates = await cached_rates(context)
    back = any(b.callback_data == BACK for row in _rows(message) for b in row)
    card = product_card(
        product, context.t, selected=index, back=back, target=target_currency(context), rates=rates
    )
    await query.answer()
    await context.edit(message, card.text, card.keyboard)


async def close_button(update: Update, context: BotContext) -> None:
    """Close a card opened from results (they are right above it)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if isinstance(query.message, Message):
        await context.remove(query.message)


def _rows(message: Message) -> tuple[tuple[InlineKeyboardButton, ...], ...]:
    return message.reply_markup.inline_keyboard if message.reply_markup else ()


async def load(context: BotContext, product_id: int) -> products.Product | None:
    """A stored product, its title and variants translated into the user's language where
    translations are stored; variant values without one are asked of the translation provider
    when one is configured (bot/services/words.py)."""
    async with context.deps.sessions() as session:
        product = await products.load(session, product_id, context.t.locale)
    if product is not None:
        await wanted.want(context, product.vocabulary - set(product.words))
    return product
