"""The product card: one rendering for every place a product is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.db import utcnow
from bot.i18n import Translator
from integrations.types import Availability, Product

CAPTION_LIMIT = 1024
TITLE_LIMIT = 300


@dataclass(frozen=True, slots=True)
class Card:
    text: str  # HTML, within the caption limit
    photo: str | None
    keyboard: InlineKeyboardMarkup | None


def product_card(
    product: Product, t: Translator, marketplace_title: str, now: datetime | None = None
) -> Card:
    """Title, price (range), promotion, variants and stock of `product`, in the user's locale."""
    now = now or utcnow()
    _ = t.gettext
    title = (
        product.title
        if len(product.title) <= TITLE_LIMIT
        else product.title[: TITLE_LIMIT - 1] + "…"
    )
    lines = [f"<b>{escape(title)}</b>", escape(marketplace_title)]
    prices = [s.offer.effective_price(now) for s in product.skus]
    lists = [s.offer.price for s in product.skus]
    currency = product.skus[0].offer.currency if product.skus else "CNY"
    if prices:
        lines.append(_price_line(t, min(prices), max(prices), currency))
        if min(prices) < min(lists):
            lines.append(
                "🔥 "
                + escape(_("On sale: was {price}")).format(
                    price=escape(t.money(min(lists), currency))
                )
            )
    in_stock = sum(s.availability != Availability.OUT_OF_STOCK for s in product.skus)
    if len(product.skus) > 1:
        lines.append(
            escape(t.ngettext("{n} variant", "{n} variants", len(product.skus))).format(
                n=t.number(len(product.skus))
            )
        )
    if not in_stock:
        lines.append("⛔ " + escape(_("Out of stock")))
    text = "\n".join(lines)[:CAPTION_LIMIT]
    keyboard = None
    if product.url:
        label = _("Open on {marketplace}").format(marketplace=marketplace_title)
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(label, url=product.url)]])
    return Card(text, product.image_url, keyboard)


def _price_line(t: Translator, low: Decimal, high: Decimal, currency: str) -> str:
    if low == high:
        return "💰 " + escape(t.money(low, currency))
    return "💰 " + escape(f"{t.money(low, currency)} – {t.money(high, currency)}")
