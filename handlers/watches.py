"""Watches from a product card: "Watch price" (any drop, or a target price the shopper types in
their currency) and "Notify when back in stock"; /watches lists them, each with a remove
button. The alert comes through the outbox when a sync (or a live check) makes it true."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from html import escape

from telegram import InlineKeyboardMarkup, Message, Update

from bot.services import watches
from handlers.context import BotContext
from handlers.keyboards import button, markup
from integrations.money import Money

WATCH = r"^w(?P<kind>[ps]):(?P<id>\d{1,15})$"
REMOVE = r"^wx:(?P<id>\d{1,15})$"
TITLE = 60


async def watch_button(update: Update, context: BotContext) -> None:
    """A card's watch button: watch the product's price (any drop) or its stock."""
    query = update.callback_query
    assert query is not None and context.match is not None
    kind = "price" if context.match["kind"] == "p" else "stock"
    try:
        async with context.deps.sessions.begin() as session:
            await watches.add(session, query.from_user.id, int(context.match["id"]), kind)
    except watches.WatchError as exc:
        await query.answer(_refusal(context, exc.reason), True)
        return
    if kind == "price":
        await query.answer(context._(
            "Watching: you get a message when the price drops. "
            "To wait for a price, send /watches."), True)  # fmt: skip
    else:
        await query.answer(context._("You get a message when it is back in stock."), True)


def _refusal(context: BotContext, reason: str) -> str:
    return {
        "in_stock": context._("It is in stock now: add it to the cart."),
        "too_many": context._("You watch too many products: remove some with /watches."),
        "target": context._("The price to wait for must be below today's."),
    }.get(reason, context._("This product is no longer available."))


async def watches_command(update: Update, context: BotContext) -> None:
    """/watches: the shopper's watches; `/watches ID PRICE` sets the price a watch waits for."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    args = context.args or []
    if len(args) == 2 and args[0].isdigit():
        await _target(context, message, user.id, int(args[0]), args[1])
        return
    text, keyboard = await _list(context, user.id)
    await context.reply(message, text, keyboard)


async def _target(
    context: BotContext, message: Message, user_id: int, watch_id: int, price: str
) -> None:
    try:
        amount = Decimal(price.replace(",", "."))
    except InvalidOperation:
        amount = Decimal(-1)
    async with context.deps.sessions() as session:
        mine = {w.id: w for w in await watches.of_user(session, user_id)}
    watch = mine.get(watch_id)
    if watch is None or watch.kind != "price" or not amount.is_finite() or amount <= 0:
        currency = watch.currency if watch else "CNY"
        usage = context.h("Usage: /watches NUMBER PRICE (in {currency}).", currency=currency)
        await context.reply(message, usage)
        return
    try:
        async with context.deps.sessions.begin() as session:
            await watches.add(session, user_id, watch.product_id, "price",
                              Money(amount, watch.currency).minor())  # fmt: skip
    except (watches.WatchError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, watches.WatchError) else "target"
        await context.reply(message, escape(_refusal(context, reason)))
        return
    price = context.t.money(amount, watch.currency)
    await context.reply(message, context.h("Watching for {price} or less.", price=price))


async def remove_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and context.match is not None
    async with context.deps.sessions.begin() as session:
        removed = await watches.remove(session, query.from_user.id, int(context.match["id"]))
    await query.answer(context._("Removed.") if removed else None)
    if isinstance(query.message, Message):
        text, keyboard = await _list(context, query.from_user.id)
        await context.edit(query.message, text, keyboard)


async def _list(context: BotContext, user_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    async with context.deps.sessions() as session:
        found = await watches.of_user(session, user_id)
    if not found:
        return context.h("You watch nothing. Open a product and press 👀 Watch price."), None
    t = context.t
    heading = context.h("Your watches")
    lines, rows = [f"<b>{heading}</b>", ""], []
    for w in found:
        title = w.title if len(w.title) <= TITLE else w.title[: TITLE - 1] + "…"
        if w.kind == "stock":
            what = t.gettext("back in stock")
        elif w.target_minor is not None:
            target = Money.of_minor(w.target_minor, w.currency)
            what = t.format(
                "price at {price} or less", price=t.money(target.amount, target.currency)
            )
        else:
            what = t.gettext("any price drop")
        done = " ✓" if w.fired else ""
        lines.append(f"{w.id}. {escape(title)} · {escape(what)}{done}")
        rows.append([button(f"✖ {w.id}", "wx", w.id)])
    lines += ["", context.h("To wait for a price: /watches NUMBER PRICE")]
    return "\n".join(lines), markup(*rows)
