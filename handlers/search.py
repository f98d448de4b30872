"""Search by plain text or /search, results paged with buttons, and the product card."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.i18n import N_, translator
from bot.search.gloss import gloss
from bot.services import catalog, fx, links, users
from bot.services import search as catalog_search
from bot.services.search import Filters, Results, Sort
from handlers.cards import product_card, send_card
from handlers.context import BotContext
from handlers.keyboards import button
from handlers.money import price_text, rates_note

PAGE_SIZE = 5
TITLE_CHARS = 70
RESULTS = r"^sr:(?P<page>\d{1,3}):(?P<sort>[rpdn]):(?P<stock>[01])$"
PRODUCT = r"^pv:(?P<id>\d{1,15})$"
SKU = r"^sk:(?P<id>\d{1,15}):(?P<index>\d{1,3})$"
SORT_LABELS = {
    Sort.RELEVANCE: N_("Best match"),
    Sort.PRICE_UP: N_("Cheapest"),
    Sort.NEWEST: N_("Newest"),
}


async def search_text(update: Update, context: BotContext) -> None:
    """Search the catalog for what the user typed."""
    message = update.effective_message
    assert message is not None and message.text is not None
    query = _query_of(message.text)
    if not query:
        await message.reply_text(
            context.h("What are you looking for? Send a few words, like “phone case” or “手机壳”.")
        )
        return
    await _show(message, context, query, 0, Sort.RELEVANCE, in_stock=False, edit=False)


async def results_button(update: Update, context: BotContext) -> None:
    """Turn a page, change the order or the stock filter of earlier results."""
    query = update.callback_query
    assert query is not None and context.match is not None
    origin = query.message.reply_to_message if isinstance(query.message, Message) else None
    if origin is None or not origin.text or not _query_of(origin.text):
        await query.answer(context._("This button is no longer valid."))
        return
    await query.answer()
    sort, page = Sort(context.match["sort"]), int(context.match["page"])
    assert isinstance(query.message, Message)
    await _show(
        query.message, context, _query_of(origin.text), page, sort,
        in_stock=context.match["stock"] == "1", edit=True,
    )  # fmt: skip


def _query_of(text: str) -> str:
    if text.startswith("/search"):
        text = text.partition(" ")[2]
    return text.strip()[:200]


async def _show(
    message: Message,
    context: BotContext,
    query: str,
    page: int,
    sort: Sort,
    *,
    in_stock: bool,
    edit: bool,
) -> None:
    language = context.t.locale.split("_")[0]
    deps = context.deps

    async def run_search() -> Results:
        async with deps.sessions() as session:
            return await catalog_search.search(
                session, query, language=language, filters=Filters(in_stock_only=in_stock),
                sort=sort,
            )  # fmt: skip

    key = ("search", query, language, in_stock, sort)
    results = await deps.answers.get_or_make(key, run_search)
    rates = await cached_rates(context)
    if not results.hits:
        text = nothing_found(context, query, in_stock)
        if edit:
            await message.edit_text(text, parse_mode=ParseMode.HTML)
        else:
            await context.reply(message, text)
        return
    page = min(page, results.pages(PAGE_SIZE) - 1)
    text, keyboard, sendable = _page_view(context, query, results, page, sort, in_stock, rates)
    if edit:
        try:
            await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
        except BadRequest as exc:  # the same page again: nothing to change
            if "not modified" not in str(exc):
                raise
    else:
        await context.reply(message, text, sendable)


def _page_view(
    context: BotContext,
    query: str,
    results: Results,
    page: int,
    sort: Sort,
    in_stock: bool,
    rates: fx.Table | None,
) -> tuple[str, InlineKeyboardMarkup, dict[str, Any]]:
    """A results page as text and buttons (also as the dict sent), remembered while the results
    and rates it was made from are the cached ones: formatting prices and serializing buttons
    are most of a popular search's cost."""
    target = _target(context)
    key = ("page", query, context.t.locale, target, in_stock, sort, page)
    made = context.deps.answers.get(key)
    if made is not None and made[0] is results and made[1] is rates:
        return made[2]
    text = render(context, query, results, page, rates)
    keyboard = results_keyboard(context, results, page, sort, in_stock)
    view = (text, keyboard, keyboard.to_dict())
    context.deps.answers.put(key, (results, rates, view))
    return view


def nothing_found(context: BotContext, query: str, in_stock: bool) -> str:
    if in_stock:
        return context.h("Nothing in stock matches “{query}”.", query=query[:80])
    return context.h(
        "Nothing found for “{query}”. Try fewer or other words, in your language, in English "
        "or in Chinese (for example “phone case” or “手机壳”).",
        query=query[:80],
    )


def render(
    context: BotContext, query: str, results: Results, page: int, rates: fx.Table | None = None
) -> str:
    t = context.t
    target = users.currency_of(context.account, context.deps.settings.default_currency)
    head = context.hn(
        "{n} product found for “{query}”", "{n} products found for “{query}”",
        len(results.hits), query=query[:80],
    )  # fmt: skip
    if results.capped:
        head = context.h("Best {n} matches for “{query}”", n=len(results.hits), query=query[:80])
    lines = [f"<b>{head}</b>"]
    first = page * PAGE_SIZE
    language = t.locale.split("_")[0]
    for number, hit in enumerate(results.page(page, PAGE_SIZE), start=first + 1):
        title = gloss(hit.title, language) or hit.title  # the original is on the card
        if len(title) > TITLE_CHARS:
            title = title[: TITLE_CHARS - 1] + "…"
        price = ""
        if hit.price_minor is not None and hit.currency:
            amount = catalog.from_minor(hit.price_minor, hit.currency)
            price = " — " + price_text(t, amount, hit.currency, target, rates)
        stock = (" 🔥" if hit.on_sale else "") + ("" if hit.in_stock else " ⛔")
        lines.append(f"{number}. {escape(title)}{escape(price)}{stock}")
    pages = results.pages(PAGE_SIZE)
    if pages > 1:
        lines.append("")
        lines.append(context.h("Page {page} of {pages}", page=page + 1, pages=pages))
    note = rates_note(t, rates, target, results.hits[0].currency or target)
    if note:
        lines.append(escape(note))
    return "\n".join(lines)


def results_keyboard(
    context: BotContext, results: Results, page: int, sort: Sort, in_stock: bool
) -> InlineKeyboardMarkup:
    _ = context._
    first = page * PAGE_SIZE
    hits = results.page(page, PAGE_SIZE)
    numbers = [button(str(first + i + 1), "pv", hit.id) for i, hit in enumerate(hits)]
    stock = "1" if in_stock else "0"
    nav: list[InlineKeyboardButton] = []
    if page > 0:
        nav.append(button("‹", "sr", page - 1, sort, stock))
    if page < results.pages(PAGE_SIZE) - 1:
        nav.append(button("›", "sr", page + 1, sort, stock))
    sorts = [
        button(("✓ " if s is sort else "") + _(label), "sr", 0, s, stock)
        for s, label in SORT_LABELS.items()
    ]
    toggle = button(
        ("✓ " if in_stock else "") + _("In stock only"), "sr", 0, sort, "0" if in_stock else "1"
    )
    return InlineKeyboardMarkup([numbers, nav, sorts, [toggle]])


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
    async with context.deps.sessions() as session:
        product = await catalog.load(session, product_id)
    rates = await cached_rates(context)
    if product is None or not product.skus:
        return False
    card = product_card(
        product, translator(context.t.locale), links.title_of(product.marketplace),
        product_id=product_id, target=_target(context), rates=rates,
    )  # fmt: skip
    await send_card(message, card)
    return True


async def sku_button(update: Update, context: BotContext) -> None:
    """Show one variant's own price and stock on the card."""
    query = update.callback_query
    assert query is not None and context.match is not None
    product_id, index = int(context.match["id"]), int(context.match["index"])
    async with context.deps.sessions() as session:
        product = await catalog.load(session, product_id)
    rates = await cached_rates(context)
    message = query.message if isinstance(query.message, Message) else None
    if product is None or message is None or index >= len(product.skus):
        await query.answer(context._("This product is no longer available."))
        return
    card = product_card(
        product, context.t, links.title_of(product.marketplace),
        product_id=product_id, selected=index, target=_target(context), rates=rates,
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


def _target(context: BotContext) -> str:
    return users.currency_of(context.account, context.deps.settings.default_currency)


async def cached_rates(context: BotContext) -> fx.Table | None:
    """Today's rates, read from the database at most every few seconds per process (None
    until the first rates job has run: cached all the same)."""
    deps = context.deps

    async def read() -> fx.Table | None:
        async with deps.sessions() as session:
            return await fx.table(session)

    return await deps.answers.get_or_make("fx", read)
