"""The product card: one rendering for every place a product is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.db import utcnow
from bot.i18n import Translator
from bot.search.gloss import readable
from bot.services.fx import Table
from bot.services.products import Product
from handlers import variants
from handlers.keyboards import button, grid
from handlers.money import price_text, rates_note

# Visible length stays far below Telegram's 1024-character caption limit by construction:
# the title is capped, every other line is short and there are at most a handful of them.
TITLE_LIMIT = 300
SKU_BUTTONS = 24
BACK = "pb"  # callback data of "« Back to results"
ADD = "ca"  # callback data "ca:<sku id>": add one of the variant to the cart
PICK = "cv"  # "choose a variant first"
WATCH_PRICE = "wp"  # "wp:<product id>": tell me when the price drops (handlers/watches.py)
WATCH_STOCK = "ws"  # "ws:<product id>": tell me when it is back in stock


@dataclass(frozen=True, slots=True)
class Card:
    text: str  # HTML
    photo: str | None
    keyboard: InlineKeyboardMarkup | None


def product_card(
    product: Product,
    t: Translator,
    *,
    selected: int | None = None,
    back: bool = False,
    target: str | None = None,
    rates: Table | None = None,
    now: datetime | None = None,
) -> Card:
    """Title, price (range), promotion, variants and stock of `product`, in the user's locale.

    The SKUs are buttons (`sk:<id>:<index>`); `selected` shows one SKU's own price and stock;
    `back` adds a button that closes the card (opened from results, which are right above).
    Under the original title: its stored translation into the user's language, else the
    dictionary's gloss.
    """
    now = now or utcnow()
    _ = t.gettext
    title = product.title
    if len(title) > TITLE_LIMIT:
        title = title[: TITLE_LIMIT - 1] + "…"
    lines = [f"<b>{escape(title)}</b>"]
    rendered = product.translated or readable(title, t.locale)
    if rendered and len(rendered) > TITLE_LIMIT:  # a gloss can outgrow the Chinese it renders
        rendered = rendered[: TITLE_LIMIT - 1] + "…"
    if rendered:
        lines.append(f"<i>{escape(rendered)}</i>")
    lines.append(escape(product.marketplace_title))
    skus = product.skus
    chosen = skus[selected] if selected is not None and 0 <= selected < len(skus) else None
    shown = (chosen,) if chosen else skus
    if shown:
        prices = [s.price_at(now) for s in shown]
        currency = shown[0].currency
        target = target or currency
        lines.append(_price_line(t, min(prices), max(prices), currency, target, rates))
        lowest_list = min(s.price for s in shown)
        if min(prices) < lowest_list:
            lines.append(
                "🔥 " + t.html("On sale: was {price}", price=t.money(lowest_list, currency))
            )
    if chosen is not None:
        lines.append(
            "✓ "
            + escape(variants.details(chosen.attributes, t, product.words) or chosen.external_id)
        )
    elif len(skus) > 1:
        lines.append(t.nhtml("{n} variant", "{n} variants", len(skus)))
    if not any(s.in_stock for s in shown):
        lines.append("⛔ " + escape(_("Out of stock")))
    note = rates_note(t, rates, target or "", shown[0].currency) if shown else None
    if note:
        lines.append(escape(note))
    return Card("\n".join(lines), product.image_url, _keyboard(product, t, selected, back))


def _keyboard(
    product: Product, t: Translator, selected: int | None, back: bool
) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    if len(product.skus) > 1:
        options = [
            button(("✓ " if i == selected else "") + (variants.label(s.attributes, t, product.words)
                   or str(i + 1)), "sk", product.id, i)
            for i, s in enumerate(product.skus[:SKU_BUTTONS])
        ]  # fmt: skip
        rows += grid(options, columns=2)
    chosen = (
        product.skus[selected] if selected is not None and selected < len(product.skus) else None
    )
    if chosen is None and len(product.skus) == 1:
        chosen = product.skus[0]
    if chosen is not None and chosen.in_stock and chosen.id:
        rows.append([button("🛒 " + t.gettext("Add to cart"), ADD, chosen.id)])
    elif len(product.skus) > 1:
        rows.append([button("🛒 " + t.gettext("Choose a variant to add it to the cart"), PICK)])
    if product.id and any(s.in_stock for s in product.skus):
        rows.append([button("👀 " + t.gettext("Watch price"), WATCH_PRICE, product.id)])
    elif product.id:
        rows.append([button("🔔 " + t.gettext("Notify when back in stock"), WATCH_STOCK,
                            product.id)])  # fmt: skip
    if product.url:
        label = t.format("Open on {marketplace}", marketplace=product.marketplace_title)
        rows.append([InlineKeyboardButton(label, url=product.url)])
    if back:
        rows.append([button(t.gettext("« Back to results"), BACK)])
    return InlineKeyboardMarkup(rows) if rows else None


def _price_line(
    t: Translator, low: Decimal, high: Decimal, currency: str, target: str, rates: Table | None
) -> str:
    if low == high:
        return "💰 " + escape(price_text(t, low, currency, target, rates))
    low_text = price_text(t, low, currency, target, rates)
    return "💰 " + escape(f"{low_text} – {price_text(t, high, currency, target, rates)}")
