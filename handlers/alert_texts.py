"""What each alert says, in the shopper's language, and the buttons its news calls for:
order steps, QC photos (Approve / Return), and a parcel's new status (History / Stop, and the
courier's page when the shopper must act). Rendered at send time (handlers/alerts.py)."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from telegram import InlineKeyboardButton

from bot.i18n import Translator
from handlers.keyboards import button, markup
from handlers.track import carrier_title, status_text
from integrations.money import Money


def render(kind: str, params: dict[str, Any], t: Translator) -> tuple[str, Any]:
    """The alert's HTML and buttons in the shopper's language."""
    order_id = int(params.get("order_id", 0))
    total = _money(t, params.get("total_minor"), params.get("currency"))
    amount = _money(t, params.get("amount_minor"), params.get("currency"))
    _ = t.gettext
    texts = {
        "paid": _("✅ Payment received for order #{order}: {amount}. We will buy it for you now."),
        "payment_pending": _(
            "⏳ Order #{order}: your payment is being processed. "
            "We will tell you when it is confirmed."
        ),
        "payment_failed": _(
            "❌ Order #{order}: the payment did not go through. "
            "Your cart is kept: check out again with /cart."
        ),
        "expired": _(
            "⌛ Order #{order}: the payment link expired. "
            "Your cart is kept: check out again with /cart."
        ),
        "paid_after_close": _(
            "↩️ Order #{order} was already closed when your payment arrived: "
            "it is being refunded in full."
        ),
        "refund_started": _("↩️ Order #{order}: a refund of {value} is on its way."),
        "unavailable_refund": _(
            "↩️ Order #{order}: an item sold out at the seller after you paid. "
            "Your payment is being refunded in full."
        ),
        "price_rose": _(
            "⚠️ Order #{order}: the seller raised the price after you paid. "
            "Pay the difference of {value}, or cancel and get everything back."
        ),
        "difference_paid": _("✅ Order #{order}: difference of {value} received. We buy it now."),
        "refunded": _("↩️ Order #{order}: {value} has been refunded."),
        "purchased": _("🛒 Order #{order}: bought at the seller. We tell you when it ships."),
        "seller_shipped": _("🚚 Order #{order}: the seller shipped it to our warehouse."),
        "warehouse_received": _(
            "🏬 Order #{order} arrived at our warehouse. Photos for your check follow."
        ),
        "qc_photos": _(
            "📷 Order #{order}: here is what arrived. Approve it and we store it until it "
            "ships, or ask for a return."
        ),
        "packed": _("🎁 Order #{order} is packed for the journey abroad. It ships soon."),
        "shipped": _("✈️ Order #{order} is on its way: {carrier} {number}. Follow it with /track."),
    }
    if kind == "tracking":
        return track_alert(params, t)
    if kind in ("watch_price", "watch_stock"):
        return watch_alert(kind, params, t)
    template = texts.get(kind, _("Order #{order} has news: see /orders."))
    i = t.isolate
    text = escape(template).format(
        order=i(order_id), amount=i(escape(total)), value=i(escape(amount)),
        number=i(f"<code>{escape(str(params.get('number', '')))}</code>"),
        carrier=i(escape(carrier_title(str(params.get("carrier") or "")))),
    )  # fmt: skip
    keyboard = markup([button(_("Open the order"), "od", order_id)]) if order_id else None
    if kind == "price_rose" and order_id:
        keyboard = markup(
            [button("💳 " + t.format("Pay {value}", value=amount), "pd", order_id)],
            [button(_("Cancel and refund"), "px", order_id)],
        )
    if kind == "qc_photos" and order_id:
        keyboard = markup(
            [button("✅ " + _("Approve"), "qa", order_id)],
            [button("↩️ " + _("Return"), "qr", order_id)],
        )
    return text, keyboard


def watch_alert(kind: str, params: dict[str, Any], t: Translator) -> tuple[str, Any]:
    """A watched product came down in price, or is back in stock: a button opens its card."""
    _ = t.gettext
    title = str(params.get("title", ""))
    if len(title) > 80:
        title = title[:79] + "…"
    if kind == "watch_stock":
        text = t.html("🔔 Back in stock: {title}", title=title)
    else:
        now = _money(t, params.get("price_minor"), params.get("currency"))
        was = _money(t, params.get("was_minor"), params.get("currency"))
        text = t.html(
            "📉 Price drop: {title} now {price} (was {was})", title=title, price=now, was=was
        )
    product_id = int(params.get("product_id", 0))
    keyboard = markup([button(_("Open the product"), "pv", product_id)]) if product_id else None
    return text, keyboard


# Tracking news that needs the shopper to act: a button to the courier's page.
ACTION = frozenset({"customs_action_required", "delivery_failed", "available_for_pickup",
                    "exception"})  # fmt: skip
TRACKING_PAGE = "https://t.17track.net/en#nums={number}"


def track_alert(params: dict[str, Any], t: Translator) -> tuple[str, Any]:
    """A parcel's new status: what it means, where and when the courier saw it, and buttons
    to its history, to stop the alerts and, when the shopper must act, to the courier's page."""
    _ = t.gettext
    status = str(params.get("status") or "")
    number = str(params.get("number", ""))
    tracking_id = int(params.get("tracking_id", 0))
    lines = [f"📦 <code>{escape(number)}</code>: <b>{escape(status_text(t, status))}</b>"]
    seen = " · ".join(str(params.get(k) or "") for k in ("message", "location") if params.get(k))
    if seen:
        lines.append(escape(seen))
    if status in ACTION:
        lines.append(escape(_("Action needed: see the courier's page.")))
    rows = [[button(_("History"), "th", tracking_id), button(_("Stop alerts"), "tu", tracking_id)]]
    if status in ACTION:
        url = TRACKING_PAGE.format(number=quote(number, safe=""))
        rows.insert(0, [InlineKeyboardButton(_("Open at the courier"), url=url)])
    return "\n".join(lines), markup(*rows)


def _money(t: Translator, minor: object, currency: object) -> str:
    if not isinstance(minor, int) or not isinstance(currency, str):
        return ""
    value = Money.of_minor(minor, currency)
    return t.money(value.amount, value.currency)
