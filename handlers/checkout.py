"""Checking out: the shipping line, the landed-cost quote, then the payment link.

Cart "Check out" -> the lines that can carry the cart to the shopper's country, each with its
price and delivery time -> the quote (goods, domestic shipping, international, service fee,
duties and VAT estimate, total in the shopper's currency with the rate's date) -> "Pay": an
order waiting for payment and the provider's payment page.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.process.payments import PaymentsOff
from bot.services import cart, checkout, orders
from bot.services.cart import Cart
from bot.services.fx import Table
from bot.services.quotes import LineOption, Quote, QuoteError, options, quote
from bot.shipping_rates import ShippingRates, load_rates
from handlers import cart as cart_view
from handlers import invoices
from handlers.context import BotContext
from handlers.keyboards import button, markup
from handlers.money import cached_rates, price_text, target_currency
from integrations.errors import IntegrationError
from integrations.money import Money

log = logging.getLogger(__name__)

START = r"^co$"
LINE = r"^cl:(?P<line>[a-z0-9_-]{1,32})$"
PAY = r"^cp:(?P<line>[a-z0-9_-]{1,32})$"


async def start_button(update: Update, context: BotContext) -> None:
    """The shipping lines for the cart, to the shopper's country."""
    query, message = _query(update)
    await query.answer()
    country = context.account.country if context.account is not None else None
    if not country:
        text = context.h("Where should we ship to? Choose your country first.")
        await context.edit(message, text, markup([button(context._("Country"), "cfg", "cty")]))
        return
    async with context.deps.sessions() as session:
        shown = await cart.view(session, query.from_user.id)
    items = checkout.items_of(shown)
    if not items:
        await context.edit(message, context.h("Your cart is empty. Find something with /search."))
        return
    rates = await cached_rates(context)
    rows: list[list[InlineKeyboardButton]] = []
    heading = context.h("Shipping to {country}", country=context.t.country(country))
    lines = [f"<b>{heading}</b>", ""]
    for option in options(items, country, _rates(context)):
        if option.price is None or option.days is None:
            lines.append(f"• {escape(option.name)}: {escape(_refusal(context, option))}")
            continue
        price = _shown(context, option.price, rates)
        days = context.hn("{low}-{n} day", "{low}-{n} days", option.days[1], low=option.days[0])
        lines.append(f"• <b>{escape(option.name)}</b>: {escape(price)}, {days}")
        rows.append([button(f"{option.name}: {price}", "cl", option.line_id)])
    if not rows:
        lines.append(context.h("No shipping line can carry this cart to your country."))
    rows.append([button(context._("« Back to the cart"), "cs")])
    await context.edit(message, "\n".join(lines), markup(*rows))


async def line_button(update: Update, context: BotContext) -> None:
    """The landed-cost quote on the chosen line, with the Pay button."""
    query, message = _query(update)
    async with context.deps.sessions() as session:
        shown = await cart.view(session, query.from_user.id)
    made = await _quote(context, shown, context.match["line"] if context.match else "")
    if isinstance(made, str):
        await query.answer(made, show_alert=True)
        return
    await query.answer()
    the_quote, charge, rates = made
    keyboard = markup(
        [button(_pay(context, charge), "cp", the_quote.line_id)],
        [button(context._("« Back"), "co")],
    )
    await context.edit(message, quote_text(context, the_quote, charge, rates), keyboard)


async def pay_button(update: Update, context: BotContext) -> None:
    """An order for the cart at the quote, and the link to pay it."""
    query, message = _query(update)
    deps = context.deps
    invoice = invoices.provider_token(context) is not None
    if not deps.payments.enabled and not invoice:
        await query.answer(context._("Payments are not configured on this bot yet."), True)
        return
    line = context.match["line"] if context.match else ""
    await cart_view.refresh(context, query.from_user.id)  # pay today's price, not the sync's
    async with deps.sessions() as session:
        shown = await cart.view(session, query.from_user.id)
    if shown.changed:  # shown once, then taken as seen
        text, keyboard = await cart_view.render(context, query.from_user.id, live=True)
        async with deps.sessions.begin() as session:
            await cart.acknowledge(session, query.from_user.id)
        await query.answer(context._("Prices changed since you added them: see the cart."), True)
        await context.edit(message, text, keyboard)
        return
    made = await _quote(context, shown, line)
    if isinstance(made, str):
        await query.answer(made, show_alert=True)
        return
    await query.answer()
    the_quote, charge, rates = made
    async with deps.sessions.begin() as session:  # the order holds the cart the quote was for
        order = await checkout.place(
            session, user_id=query.from_user.id, cart=shown, quote=the_quote, charge=charge,
            rates=rates, language=context.t.locale,
            provider=invoices.PROVIDER if invoice else deps.payments.provider_name,
        )  # fmt: skip
        await cart.acknowledge(session, query.from_user.id)
    title = context.t.format("Order #{order}", order=order.id)
    if invoice:
        waiting = context.h("Order #{order}: pay with the invoice below.", order=order.id)
        await context.edit(message, f"{quote_text(context, the_quote, charge, rates)}\n\n{waiting}")
        await invoices.send(message, context, order, title)
        return
    try:
        started = await deps.payments.page_for(order.id, title, context.t.locale)
    except (IntegrationError, PaymentsOff) as exc:
        log.warning("no payment page for order %s: %r", order.id, exc)
        async with deps.sessions.begin() as session:
            locked = await orders.locked(session, order.id)
            if locked is not None:
                await orders.move(session, locked, orders.S.CANCELLED, "checkout_failed")
        await context.edit(
            message,
            context.h("The payment service did not answer. Nothing was charged: try again soon."),
            markup([button(context._("« Back to the cart"), "cs")]),
        )
        return
    text = "\n".join(
        [
            quote_text(context, the_quote, charge, rates),
            "",
            context.h(
                "Order #{order} is waiting for payment. The link is valid for 30 minutes.",
                order=order.id,
            ),
        ]
    )
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_pay(context, charge), url=started.url)]]
    )
    await context.edit(message, text, keyboard)


def quote_text(context: BotContext, q: Quote, charge: Money, rates: Table | None) -> str:
    t, h = context.t, context.h

    def row(label: str, value: Money) -> str:
        return f"{escape(label)}: {escape(_shown(context, value, rates))}"

    _ = t.gettext
    heading, total = h("Your quote"), escape(_("Total"))
    lines = [
        f"<b>{heading}</b>",
        t.nhtml("{line} to {country}, {low}-{n} day", "{line} to {country}, {low}-{n} days",
                q.delivery_days[1], line=q.line_name, country=t.country(q.country),
                low=q.delivery_days[0]),
        "",
        row(_("Goods"), q.goods),
        row(_("Shipping inside China"), q.domestic_shipping),
        row(_("International shipping"), q.international),
        "   " + h("Parcel weight: {weight}", weight=t.weight(q.actual_grams)),
        row(_("Service fee"), q.service_fee),
        row(_("Duties and VAT (estimate)"), q.duties),
        "",
        f"<b>{total}: {escape(t.money(charge.amount, charge.currency))}</b>"
        f" ({escape(t.money(q.total.amount, q.total.currency))})",
    ]  # fmt: skip
    if q.estimated_weight:
        lines.append(h("Some weights are estimated: the shipping may be adjusted."))
    if q.customs.rate_missing:
        lines.append(h("No exchange rate for the customs threshold: duties estimated high."))
    day = rate.day if rates is not None and (rate := rates.rate(charge.currency)) else None
    if day is not None and charge.currency != q.total.currency:
        lines.append(h("Exchange rate of {day}.", day=t.date(day, "short")))
    return "\n".join(lines)


async def _quote(
    context: BotContext, shown: Cart, line_id: str
) -> tuple[Quote, Money, Table | None] | str:
    """The quote and the charge for the cart on `line_id`, or what stops it, to tell."""
    country = context.account.country if context.account is not None else None
    if not country:
        return context._("Choose your country in /settings first.")
    items = checkout.items_of(shown)
    if not items:
        return context._("Your cart is empty.")
    rates = await cached_rates(context)
    try:
        made = quote(items, country, line_id, _rates(context), checkout.converter(rates))
        charge = checkout.charge_for(made, target_currency(context), rates)
    except QuoteError as exc:
        log.info("no quote on %s: %s", line_id, exc.reason)
        return context._("This shipping line cannot carry your cart. Choose another one.")
    except checkout.NoRate:
        return context._("There is no exchange rate to charge this in. Try again later.")
    return made, charge, rates


def _pay(context: BotContext, charge: Money) -> str:
    """The Pay button's label: "💳 Pay €30.19"."""
    amount = context.t.money(charge.amount, charge.currency)
    return "💳 " + context.t.format("Pay {amount}", amount=amount)


def _refusal(context: BotContext, option: LineOption) -> str:
    """Why a shipping line cannot take this cart, in the shopper's words."""
    _ = context._
    if option.reason == "restricted_category":
        names = {
            "batteries": _("batteries"), "liquids": _("liquids"), "powders": _("powders"),
            "magnets": _("magnets"), "knives": _("knives"),
        }  # fmt: skip
        kinds = ", ".join(sorted(names.get(k, k) for k in option.restricted))
        return context.t.format("cannot carry {kinds}", kinds=kinds)
    if option.reason == "over_max_weight":
        return _("the parcel is over its weight limit")
    return _("does not ship to your country")


def _rates(context: BotContext) -> ShippingRates:
    return load_rates(context.deps.settings.shipping_rates_file)


def _shown(context: BotContext, value: Money, rates: Table | None) -> str:
    return price_text(context.t, value.amount, value.currency, target_currency(context), rates)


def _query(update: Update) -> tuple[CallbackQuery, Message]:
    query = update.callback_query
    assert query is not None and query.from_user is not None
    assert isinstance(query.message, Message)
    return query, query.message
