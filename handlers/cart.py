"""/cart and the cart's buttons: add from a product card, change quantities, remove, check out."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.services import cart, deals
from bot.services.cart import Cart, CartError, Reason
from bot.services.fx import Table
from handlers import variants
from handlers.context import BotContext
from handlers.keyboards import button, markup
from handlers.money import cached_rates, price_text, target_currency

ADD = r"^ca:(?P<sku>\d{1,15})$"
PICK = r"^cv$"
LINE = r"^cq:(?P<line>\d{1,15}):(?P<op>inc|dec|del)$"
SHOW = r"^cs$"
TITLE_LIMIT = 80


async def add_button(update: Update, context: BotContext) -> None:
    """🛒 on a product card: one more of that variant in the cart."""
    query = update.callback_query
    assert query is not None and context.match is not None and query.from_user is not None
    try:
        async with context.deps.sessions.begin() as session:
            line = await cart.add(session, query.from_user.id, int(context.match["sku"]))
            await deals.carted(session, query.from_user.id, line.product_id)  # a deal's cart
    except CartError as exc:
        await query.answer(_problem(context, exc.reason), show_alert=True)
        return
    await query.answer(
        context._("Added to the cart ({n} in it). Open it with /cart.").replace(
            "{n}", context.t.number(line.quantity)
        )
    )


async def pick_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(context._("Choose a variant above first."), show_alert=True)


async def cart_command(update: Update, context: BotContext) -> None:
    """The cart, its prices and stock asked of the marketplaces first (a few seconds at most)."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    live = await refresh(context, update.effective_user.id)
    text, keyboard = await render(context, update.effective_user.id, live)
    await context.reply(message, text, keyboard)


async def refresh(context: BotContext, user_id: int) -> bool:
    """Ask the marketplaces for the cart's prices and stock now; True when every product
    answered (else the catalog's data stands, with its date)."""
    async with context.deps.sessions() as session:
        shown = await cart.view(session, user_id)
    keys = [(item.marketplace, item.external_id) for item in shown.items]
    if not keys:
        return False
    fresh = await context.deps.refresh_live(keys)
    return not fresh.stale


async def show_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.from_user is not None
    await query.answer()
    if isinstance(query.message, Message):
        text, keyboard = await render(context, query.from_user.id)
        await context.edit(query.message, text, keyboard)


async def line_button(update: Update, context: BotContext) -> None:
    """− / + / ✕ on a cart line."""
    query = update.callback_query
    assert query is not None and context.match is not None and query.from_user is not None
    user_id, line_id, op = query.from_user.id, int(context.match["line"]), context.match["op"]
    try:
        async with context.deps.sessions.begin() as session:
            current = next(
                (i for i in (await cart.view(session, user_id)).items if i.line_id == line_id),
                None,
            )
            if current is None:
                raise CartError(Reason.NO_SUCH_LINE)
            if op == "del":
                await cart.remove(session, user_id, line_id)
            else:
                step = 1 if op == "inc" else -1
                await cart.set_quantity(session, user_id, line_id, current.quantity + step)
    except CartError as exc:
        await query.answer(_problem(context, exc.reason), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        text, keyboard = await render(context, user_id)
        await context.edit(query.message, text, keyboard)


async def render(
    context: BotContext, user_id: int, live: bool = False
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The cart as text and buttons: each line with its price now, what changed since it was
    added, what can no longer be bought, and the subtotal."""
    async with context.deps.sessions() as session:
        shown = await cart.view(session, user_id)
    if not shown.items:
        return context.h("Your cart is empty. Find something with /search."), None
    text = _text(context, shown, await cached_rates(context), live)
    return text, _keyboard(context, shown)


def _text(context: BotContext, shown: Cart, rates: Table | None, live: bool) -> str:
    t, h = context.t, context.h
    target = target_currency(context)
    title = h("Your cart")
    lines = [f"<b>{title}</b>", ""]
    for n, item in enumerate(shown.items, 1):
        title = (
            item.title if len(item.title) <= TITLE_LIMIT else item.title[: TITLE_LIMIT - 1] + "…"
        )
        head = f"{n}. {escape(title)}"
        if item.attributes:
            head += f" <i>({escape(variants.details(item.attributes, t))})</i>"
        lines.append(head)
        if item.amount is None or item.unit is None:
            lines.append("   ⛔ " + h("No longer available: left out of the total."))
            continue
        price = price_text(t, item.unit.amount, item.unit.currency, target, rates)
        lines.append(f"   {t.number(item.quantity)} × {escape(price)}")
        if item.changed:
            lines.append(
                "   ⚠️ "
                + h(
                    "Price changed: was {old}, now {new}.",
                    old=t.money(item.seen.amount, item.seen.currency),
                    new=t.money(item.unit.amount, item.unit.currency),
                )
            )
    subtotal = shown.subtotal()
    if subtotal is not None:
        total = price_text(t, subtotal.amount, subtotal.currency, target, rates)
        lines += ["", h("Goods: {amount}", amount=total)]
        checked = min(i.checked_at for i in shown.buyable)
        if live:
            lines.append(h("Prices and stock checked with the sellers just now."))
        else:
            lines.append(h("Prices as of {day}.", day=t.date(checked, "medium")))
    return "\n".join(lines)


def _keyboard(context: BotContext, shown: Cart) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    for n, item in enumerate(shown.items, 1):
        rows.append(
            [
                button(f"{n}. −", "cq", item.line_id, "dec"),
                button(f"{n}. +", "cq", item.line_id, "inc"),
                button(f"{n}. ✕", "cq", item.line_id, "del"),
            ]
        )
    if shown.buyable:
        rows.append([button("✅ " + context._("Check out"), "co")])
    return markup(*rows)


def _problem(context: BotContext, reason: Reason) -> str:
    _ = context._
    return {
        Reason.QUANTITY: _("That quantity is not possible: from 1 to 99 per item."),
        Reason.NO_SUCH_VARIANT: _("This product is no longer available."),
        Reason.UNAVAILABLE: _("This variant is sold out or no longer available."),
        Reason.NO_SUCH_LINE: _("That item is no longer in your cart."),
        Reason.FULL: _("Your cart is full: check out or remove something first."),
    }[reason]
