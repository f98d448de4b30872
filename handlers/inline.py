"""Inline mode: `@bot words` in any chat offers shareable product cards."""

from __future__ import annotations

from html import escape

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)

from bot.i18n import translator
from bot.search.gloss import readable
from bot.services import catalog, products
from bot.services import users as users_service
from handlers.context import BotContext
from handlers.search import results_for
from handlers.search_view import View

MAX_RESULTS = 50  # Telegram's limit per answer


async def inline_search(update: Update, context: BotContext) -> None:
    """Answer an inline query with up to 50 products matching it."""
    query = update.inline_query
    assert query is not None
    text = query.query.strip()[:200]
    if not text:
        await query.answer([], cache_time=60)
        return
    locale = users_service.locale_of(context.account, query.from_user.language_code)
    t = translator(locale)
    found = await results_for(context, text, View())  # shared with chat searches, cached
    username = context.bot.username
    results = []
    for hit in found.hits[:MAX_RESULTS]:
        price = ""
        if hit.price_minor is not None and hit.currency:
            price = t.money(catalog.from_minor(hit.price_minor, hit.currency), hit.currency)
        where = products.marketplace_title(hit.marketplace)
        card = f"<b>{escape(hit.title[:300])}</b>\n{escape(where)}"
        if price:
            card += f"\n💰 {escape(price)}"
        open_in_bot = InlineKeyboardButton(
            t.gettext("Open in the bot"), url=f"https://t.me/{username}?start=p_{hit.id}"
        )
        results.append(
            InlineQueryResultArticle(
                id=str(hit.id),
                title=(found.titles.get(hit.id) or readable(hit.title, locale) or hit.title)[:100],
                description=price,
                thumbnail_url=hit.image_url,
                input_message_content=InputTextMessageContent(card),
                reply_markup=InlineKeyboardMarkup([[open_in_bot]]),
            )
        )
    # In the user's language and currency: Telegram must not hand this answer to anyone else.
    await query.answer(results, cache_time=60, is_personal=True)
