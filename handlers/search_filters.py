"""The filter buttons under search results: in stock only, a price range, one store."""

from __future__ import annotations

from collections import Counter

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.search.engine import Results
from bot.services import fx, products
from handlers.context import BotContext
from handlers.keyboards import grid
from handlers.search_view import PRICES, View, price_label


def filter_row(context: BotContext, view: View) -> list[InlineKeyboardButton]:
    """`✓ In stock only`, `Price ▾`, `Store ▾` (ticked when one is chosen)."""
    _ = context._
    return [
        _button(
            ("✓ " if view.in_stock else "") + _("In stock only"),
            view.with_(in_stock=not view.in_stock, page=0),
        ),
        InlineKeyboardButton(
            ("✓ " if view.price else "") + _("Price") + " ▾", callback_data=view.data("sf", "p")
        ),
        InlineKeyboardButton(
            ("✓ " if view.store else "") + _("Store") + " ▾", callback_data=view.data("sf", "m")
        ),
    ]


def price_menu(
    context: BotContext, view: View, target: str, rates: fx.Table | None
) -> InlineKeyboardMarkup:
    choices = [
        _button(
            ("✓ " if index == view.price else "") + price_label(context.t, index, target, rates),
            view.with_(price=index, page=0),
        )
        for index in range(len(PRICES))
    ]
    return InlineKeyboardMarkup([[c] for c in choices] + [[_back(context, view)]])


def store_menu(context: BotContext, view: View, everywhere: Results) -> InlineKeyboardMarkup:
    """Any store, then the stores among the best matches without a store filter, most first."""
    counts = Counter(hit.marketplace for hit in everywhere.hits)
    if view.store is not None:
        counts.setdefault(view.store, 0)
    anywhere = ("✓ " if view.store is None else "") + context._("Any store")
    stores = [_button(anywhere, view.with_(store=None, page=0))]
    for name, _n in counts.most_common():
        title = products.marketplace_title(name)
        stores.append(
            _button(("✓ " if name == view.store else "") + title, view.with_(store=name, page=0))
        )
    return InlineKeyboardMarkup([*grid(stores, columns=2), [_back(context, view)]])


def clear_keyboard(context: BotContext, view: View) -> InlineKeyboardMarkup:
    """Under "nothing matches with these filters": a way back to every result."""
    return InlineKeyboardMarkup(
        [[_button(context._("Clear filters"), view.with_(store=None, price=0, page=0))]]
    )


def describe(context: BotContext, view: View, target: str, rates: fx.Table | None) -> str:
    """The filters line under the results' heading: `Filters: Taobao · under CN¥50`."""
    parts = []
    if view.store:
        parts.append(products.marketplace_title(view.store))
    if view.price:
        parts.append(price_label(context.t, view.price, target, rates))
    return context.t.format("Filters: {filters}", filters=" · ".join(parts))


def _button(text: str, view: View) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=view.data())


def _back(context: BotContext, view: View) -> InlineKeyboardButton:
    return _button(context._("« Back"), view)
