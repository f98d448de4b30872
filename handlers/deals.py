"""Deals: /deal LINK-OR-ID [comment] by a community's admin posts a deal card there (in a private
chat with the bot: a button per group or channel they administer); /start d_<code> opens it for
a shopper and records where they came from; /mydeals shows an admin what their deals brought.

The card is the product's card in the community's language and currency, the admin's comment
(escaped, cut to fit a caption) below it, and one button that opens the product in a private
chat with the bot. Posting goes through the pacer (20 messages a minute in a group).
"""

from __future__ import annotations

import html
import logging
import re
from datetime import timedelta
from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import MessageLimit
from telegram.error import TelegramError

from bot.db import utcnow
from bot.services import communities, deals, links, products
from handlers.cards import product_card
from handlers.communities import community_translator, is_admin
from handlers.context import BotContext
from handlers.keyboards import button, markup
from handlers.links import explain
from handlers.money import cached_rates
from handlers.product import show_product

log = logging.getLogger(__name__)

CHOOSE = r"^dp:(?P<deal>\d{1,15}):(?P<chat>-\d{1,15})$"
PERIOD = r"^dm:(?P<days>\d{1,3})$"
CAPTION = MessageLimit.CAPTION_LENGTH
TAGS = re.compile(r"<[^>]+>")
MAX_COMMUNITIES = 30  # offered in a private chat


async def deal_command(update: Update, context: BotContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    text = (message.text or "").split(maxsplit=2)
    if len(text) < 2:
        await context.reply(message, context.h(
            "Usage: /deal LINK-OR-PRODUCT-NUMBER [your comment]"))  # fmt: skip
        return
    in_group = chat.type != "private"
    if in_group and not await is_admin(context, chat.id, user.id):
        await context.reply(message, context.h("Only this group's admins can post deals."))
        return
    product_id = await _product(context, message, text[1])
    if product_id is None:
        return
    comment = text[2] if len(text) > 2 else ""
    try:
        async with context.deps.sessions.begin() as session:
            if in_group:
                await communities.joined(session, chat.id, chat.type, chat.title or "", None)
            deal = await deals.create(session, chat.id if in_group else None, user.id,
                                      product_id, comment)  # fmt: skip
    except deals.DealError as exc:
        await context.reply(message, html.escape(_refusal(context, exc.reason)))
        return
    if in_group:
        await _post(context, message, deal.id, chat.id)
        return
    await _offer_communities(context, message, user.id, deal.id)


async def _product(context: BotContext, message: Message, what: str) -> int | None:
    """The product a /deal names: our product number, or a link to a marketplace or a synced
    store's product (fetched live when the catalog lacks it); None after saying why."""
    deps = context.deps
    if what.isdigit():
        async with deps.sessions() as session:
            found = await products.exists(session, int(what))
        if found:
            return int(what)
        await context.reply(message, context.h("There is no product number {n}.", n=what[:20]))
        return None
    async with deps.sessions() as session:
        known = await products.by_url(session, what)
    if known is not None:
        return known
    found_links = links.find(what, limit=1)
    if not found_links:
        await context.reply(message, context.h(
            "That is neither a product link nor a product number."))  # fmt: skip
        return None
    try:
        fetched = await links.fetch(found_links[0], deps.provider_env, deps.http)
    except links.LinkFailed as failed:
        await context.reply(message, explain(context, failed))
        return None
    async with deps.sessions.begin() as session:
        return await links.remember(session, fetched)


async def _offer_communities(
    context: BotContext, message: Message, user_id: int, deal_id: int
) -> None:
    async with context.deps.sessions() as session:
        candidates = await communities.all_active(session)
    mine = [c for c in candidates[: MAX_COMMUNITIES * 4] if await is_admin(context, c.chat_id,
                                                                              user_id)]  # fmt: skip
    if not mine:
        none = context.h(
            "You administer no group or channel the bot is in. Add the bot to one first."
        )
        await context.reply(message, none)
        return
    rows = [[button(("📣 " if c.kind == "channel" else "👥 ") + (c.title or str(c.chat_id)),
                    "dp", deal_id, c.chat_id)] for c in mine[:MAX_COMMUNITIES]]  # fmt: skip
    await context.reply(message, context.h("Where should this deal go?"), markup(*rows))


async def choose_button(update: Update, context: BotContext) -> None:
    """An admin chose where their deal goes (a private chat's /deal)."""
    query = update.callback_query
    assert query is not None and context.match is not None
    deal_id, chat_id = int(context.match["deal"]), int(context.match["chat"])
    if not await is_admin(context, chat_id, query.from_user.id):
        await query.answer(context._("Only this group's admins can post deals."), True)
        return
    try:
        async with context.deps.sessions.begin() as session:
            await deals.assign(session, deal_id, query.from_user.id, chat_id)
    except deals.DealError as exc:
        await query.answer(_refusal(context, exc.reason), True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await _post(context, query.message, deal_id, chat_id)


def _refusal(context: BotContext, reason: str) -> str:
    if reason == "recent":
        return context._("This product was posted in this group less than a day ago.")
    return context._("This deal can no longer be posted.")


async def _post(context: BotContext, answer_to: Message, deal_id: int, chat_id: int) -> None:
    """The deal card, in the community; the admin is told where it went (or why not)."""
    deps = context.deps
    async with deps.sessions() as session:
        deal = await deals.get(session, deal_id)
        community = await communities.get(session, chat_id)
        t = community_translator(community)
        product = await products.load(session, deal.product_id, t.locale) if deal else None
        affiliate = await products.affiliate(session, deal.product_id) if deal else None
    if deal is None or community is None or product is None or not product.skus:
        await context.reply(answer_to, context.h("This product is no longer available."))
        return
    if deal.community_id != chat_id:  # refused at creation: posted there lately
        await context.reply(answer_to, _refusal(context, "recent"))
        return
    rates = await cached_rates(context)
    card = product_card(product, t, target=community.currency, rates=rates)
    text = _with_comment(card.text, deal.comment, limit=CAPTION if card.photo else 4096)
    url = f"https://t.me/{context.bot.username}?start=d_{deal.code}"
    rows = [[InlineKeyboardButton("🛒 " + t.gettext("Open in the bot"), url=url)]]
    if affiliate is not None:  # the marketplace's own affiliate link, where there is one
        label = t.format("On {marketplace}", marketplace=product.marketplace_title)
        rows.append([InlineKeyboardButton(label, url=affiliate)])
    keyboard = InlineKeyboardMarkup(rows)
    try:
        if card.photo:
            sent = await context.bot.send_photo(chat_id, card.photo, caption=text,
                                                reply_markup=keyboard)  # fmt: skip
            message_id = sent.message_id
        else:
            message_id = await context.bot.send_html(chat_id, text, keyboard=keyboard)
    except TelegramError as exc:
        log.warning("deal %s not posted in %s: %s", deal.id, chat_id, exc)
        async with deps.sessions.begin() as session:  # not posted: may be posted again
            await deals.discard(session, deal.id)
        await context.reply(answer_to, context.h("The deal could not be posted there."))
        return
    async with deps.sessions.begin() as session:
        await deals.posted(session, deal.id, message_id)
    if answer_to.chat.id != chat_id:
        await context.reply(answer_to, context.h("Posted in {title}.", title=community.title))


def _with_comment(card: str, comment: str, limit: int) -> str:
    """The card with the admin's comment (escaped) below, cut so the visible text fits."""
    if not comment:
        return card
    visible = len(html.unescape(TAGS.sub("", card)))
    room = limit - visible - 4
    if room < 10:
        return card
    cut = comment if len(comment) <= room else comment[: room - 1] + "…"
    return f"{card}\n\n💬 {html.escape(cut)}"


async def open_deal_link(update: Update, context: BotContext, payload: str) -> bool:
    """/start d_<code>: the deal's product for the shopper, their first visit recorded."""
    found = re.fullmatch(deals.CODE_RE, payload)
    user = update.effective_user
    if found is None or user is None:
        return False
    async with context.deps.sessions.begin() as session:
        deal = await deals.by_code(session, found["code"])
        if deal is None:
            return False
        await deals.touch(session, deal, user.id)
        product_id = deal.product_id
    return await show_product(update.effective_message, context, product_id)


async def mydeals_command(update: Update, context: BotContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    text, keyboard = await _credit(context, user.id, 30)
    await context.reply(message, text, keyboard)


async def period_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and context.match is not None
    await query.answer()
    text, keyboard = await _credit(context, query.from_user.id, int(context.match["days"]))
    if isinstance(query.message, Message):
        await context.edit(query.message, text, keyboard)


PERIODS = (7, 30, 0)  # days; 0: since the beginning


async def _credit(context: BotContext, user_id: int, days: int) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    since = utcnow() - timedelta(days=days) if days else None
    percent = Decimal(str(context.deps.settings.deal_commission_percent))
    async with context.deps.sessions() as session:
        credits = await deals.ledger(session, percent, admin_id=user_id, since=since)
    title = context.hn("Your deals, last {n} day", "Your deals, last {n} days", days) if days \
        else context.h("Your deals, all time")  # fmt: skip
    lines = [f"<b>{title}</b>", ""]
    if not credits:
        lines.append(context.h("No deals yet: post one with /deal in your group."))
    for c in credits:
        paid = ", ".join(t.money(m.amount, m.currency) for m in c.paid) or "0"
        earned = ", ".join(t.money(m.amount, m.currency) for m in c.commission) or "0"
        lines += [
            f"<b>{html.escape(c.community or str(c.community_id))}</b>",
            " · ".join([context.hn("{n} deal", "{n} deals", c.deals),
                        context.hn("{n} opened", "{n} opened", c.opens),
                        context.hn("{n} cart", "{n} carts", c.carts),
                        context.hn("{n} order", "{n} orders", c.orders)]),
            context.h("Paid {paid} · your commission {earned}", paid=paid, earned=earned),
            "",
        ]  # fmt: skip
    labels = {7: context._("7 days"), 30: context._("30 days"), 0: context._("All time")}
    keyboard = markup([button(("✓ " if d == days else "") + labels[d], "dm", d) for d in PERIODS])
    return "\n".join(lines).rstrip(), keyboard
