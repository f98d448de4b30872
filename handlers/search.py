"""Search by plain text or /search, and by category: results paged, sorted and filtered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)

from bot.i18n import N_
from bot.search.engine import Hit, Results, Sort
from bot.search.gloss import readable
from bot.services import catalog, categories, fx, products, words
from handlers import search_filters
from handlers.context import BotContext
from handlers.keyboards import button
from handlers.money import cached_rates, price_text, rates_note, target_currency
from handlers.search_view import View

PAGE_SIZE = 5
TITLE_CHARS = 70
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
        await context.reply(
            message,
            context.h("What are you looking for? Send a few words, like “phone case” or “手机壳”."),
        )
        return
    await _show(message, context, query, View(), edit=False)


async def results_button(update: Update, context: BotContext) -> None:
    """Turn a page, change the order or a filter of earlier results."""
    found = await _pressed(update, context)
    if found is None:
        return
    message, query, view, category = found
    await update.callback_query.answer()  # type: ignore[union-attr]
    await _show(message, context, query, view, edit=True, category=category)


async def filter_button(update: Update, context: BotContext) -> None:
    """Offer the price ranges or the stores to narrow earlier results to."""
    found = await _pressed(update, context)
    if found is None:
        return
    message, query, view, category = found
    assert context.match is not None and update.callback_query is not None
    rates = await cached_rates(context)
    if context.match["what"] == "p":
        keyboard = search_filters.price_menu(context, view, target_currency(context), rates)
    else:
        everywhere = await results_for(context, query, view.with_(store=None, page=0), category)
        keyboard = search_filters.store_menu(context, view, everywhere)
    await update.callback_query.answer()
    await context.edit(message, None, keyboard)


async def _pressed(
    update: Update, context: BotContext
) -> tuple[Message, str, View, str | None] | None:
    """The results message, its query, the view a button asks for and the category browsed;
    None (answered politely) when the button no longer makes sense."""
    press = update.callback_query
    assert press is not None and context.match is not None
    message = press.message if isinstance(press.message, Message) else None
    view = View.of(context.match)
    query, category = "", None
    if message is not None and view is not None and view.category:
        node = (await category_tree(context)).find(view.category)
        category = node.path if node is not None else None
    elif message is not None and message.reply_to_message is not None:
        query = _query_of(message.reply_to_message.text or "")
    if message is None or view is None or not (query or category):
        await press.answer(context._("This button is no longer valid."))
        return None
    return message, query, view, category


def _query_of(text: str) -> str:
    if text.startswith("/search"):
        text = text.partition(" ")[2]
    return text.strip()[:200]


async def results_for(
    context: BotContext, query: str, view: View, category: str | None = None
) -> Results:
    """The ranked matches for `query` (or the products of `category`) under the view's order
    and filters (cached briefly)."""
    language = context.t.locale
    deps = context.deps
    filters = view.filters(category)

    async def run_search() -> Results:
        async with deps.sessions() as session:
            return await products.search(
                session, query, language=language, filters=filters, sort=view.sort
            )

    key = ("search", query, language, filters, view.sort)
    return await deps.answers.get_or_make(key, run_search)


async def _show(
    message: Message,
    context: BotContext,
    query: str,
    view: View,
    *,
    edit: bool,
    category: str | None = None,
) -> None:
    """Send (or edit `message` into) a page of results for `query` or `category`."""
    results = await results_for(context, query, view, category)
    rates = await cached_rates(context)
    if category is not None:
        query = category_label(context, category, await category_names(context))  # the heading's
    if not results.hits:
        text = nothing_found(context, query, view)
        # with filters on, a way back to everything
        keyboard = search_filters.clear_keyboard(context, view) if view.filtered else None
        if edit:
            await context.edit(message, text, keyboard)
        else:
            await context.reply(message, text, keyboard, quote=True)
        return
    view = view.with_(page=min(view.page, results.pages(PAGE_SIZE) - 1))
    page = _page_view(context, query, results, view, rates)
    if edit:
        await context.edit(message, page.text, page.keyboard, preview=page.preview)
    else:
        await context.reply(message, page.text, page.sendable, preview=page.preview, quote=True)


@dataclass(frozen=True, slots=True)
class Page:
    text: str
    keyboard: InlineKeyboardMarkup
    sendable: dict[str, Any]  # the keyboard as sent, serialized once
    preview: LinkPreviewOptions  # the page's thumbnail: its first product's picture, or none


def _page_view(
    context: BotContext, query: str, results: Results, view: View, rates: fx.Table | None
) -> Page:
    """A results page, remembered while the results and rates it was made from are the cached
    ones: formatting prices and serializing buttons are most of a popular search's cost."""
    target = target_currency(context)
    key = ("page", query, context.t.locale, target, view)
    made = context.deps.answers.get(key)
    if made is not None and made[0] is results and made[1] is rates:
        return made[2]
    keyboard = results_keyboard(context, results, view)
    page = Page(
        render(context, query, results, view, rates),
        keyboard,
        keyboard.to_dict(),
        thumbnail(results.page(view.page, PAGE_SIZE)),
    )
    context.deps.answers.put(key, (results, rates, page))
    return page


def thumbnail(hits: list[Hit]) -> LinkPreviewOptions:
    """A small preview of the page's first product picture above the list (Telegram fetches
    and shows it); no preview at all when the page has no picture."""
    url = next((h.image_url for h in hits if h.image_url), None)
    if url is None or not url.startswith(("http://", "https://")):
        return LinkPreviewOptions(is_disabled=True)
    return LinkPreviewOptions(url=url, prefer_small_media=True, show_above_text=True)


ECHO_CHARS = 80  # of the query, quoted back in headings


def _echo(query: str) -> str:
    """The query as a heading quotes it: cut with an ellipsis when long."""
    return query if len(query) <= ECHO_CHARS else query[: ECHO_CHARS - 1] + "…"


def nothing_found(context: BotContext, query: str, view: View) -> str:
    if view.filtered:
        return context.h("Nothing matches “{query}” with these filters.", query=_echo(query))
    if view.in_stock:
        return context.h("Nothing in stock matches “{query}”.", query=_echo(query))
    return context.h(
        "Nothing found for “{query}”. Try fewer or other words, in your language, in English "
        "or in Chinese (for example “phone case” or “手机壳”).",
        query=_echo(query),
    )


def render(
    context: BotContext,
    query: str,
    results: Results,
    view: View,
    rates: fx.Table | None = None,
) -> str:
    t = context.t
    target = target_currency(context)
    head = context.hn(
        "{n} product found for “{query}”", "{n} products found for “{query}”",
        len(results.hits), query=_echo(query),
    )  # fmt: skip
    if results.capped:
        head = context.hn(
            "Best {n} match for “{query}”",
            "Best {n} matches for “{query}”",
            len(results.hits),
            query=_echo(query),
        )
    lines = [f"<b>{head}</b>"]
    if view.filtered:
        lines.append(escape(search_filters.describe(context, view, target, rates)))
    first = view.page * PAGE_SIZE
    for number, hit in enumerate(results.page(view.page, PAGE_SIZE), start=first + 1):
        # the stored translation, else the dictionary's gloss; the original is on the card
        title = results.titles.get(hit.id) or readable(hit.title, t.locale) or hit.title
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
        lines.append(context.h("Page {page} of {pages}", page=view.page + 1, pages=pages))
    note = rates_note(t, rates, target, results.hits[0].currency or target)
    if note:
        lines.append(escape(note))
    return "\n".join(lines)


def results_keyboard(context: BotContext, results: Results, view: View) -> InlineKeyboardMarkup:
    _ = context._
    first = view.page * PAGE_SIZE
    hits = results.page(view.page, PAGE_SIZE)
    numbers = [button(str(first + i + 1), "pv", hit.id) for i, hit in enumerate(hits)]
    nav: list[InlineKeyboardButton] = []
    if view.page > 0:
        nav.append(InlineKeyboardButton("‹", callback_data=view.with_(page=view.page - 1).data()))
    if view.page < results.pages(PAGE_SIZE) - 1:
        nav.append(InlineKeyboardButton("›", callback_data=view.with_(page=view.page + 1).data()))
    sorts = [
        InlineKeyboardButton(
            ("✓ " if s is view.sort else "") + _(label),
            callback_data=view.with_(sort=s, page=0).data(),
        )
        for s, label in SORT_LABELS.items()
    ]
    return InlineKeyboardMarkup([numbers, nav, sorts, search_filters.filter_row(context, view)])


async def category_tree(context: BotContext) -> categories.Tree:
    """The catalog's categories, counted at most every few seconds per process."""
    deps = context.deps

    async def read() -> categories.Tree:
        async with deps.sessions() as session:
            return await categories.tree(session)

    return await deps.answers.get_or_make("categories", read)


async def show_category(message: Message, context: BotContext, node: categories.Node) -> None:
    """Turn the category menu `message` into the first page of the category's products."""
    await _show(message, context, "", View(category=node.key), edit=True, category=node.path)


async def category_names(context: BotContext) -> dict[str, str]:
    """The stored translations of every category name for the user's locale (read at most
    every few seconds per process). The translation job asks for them itself (not here, on
    every page: bot/sync/translation.py)."""
    names = (await category_tree(context)).names()
    locale = context.t.locale

    async def read() -> dict[str, str]:
        async with context.deps.sessions() as session:
            return await words.lookup(session, names, locale)

    return await context.deps.answers.get_or_make(("category-names", locale), read)


def category_label(context: BotContext, path: str, stored: Mapping[str, str] | None = None) -> str:
    """`Dresses (连衣裙)`: the last level in the user's language (its stored translation, else
    the dictionary's) beside the original."""
    name = path.rpartition(" > ")[2]
    theirs = (stored or {}).get(name) or readable(name, context.t.locale)
    return f"{theirs} ({name})" if theirs and theirs != name else name
