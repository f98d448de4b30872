"""Posting the digests: for each community whose digest is due, the best price drops and new
promotions since its last one (bot/services/digests.py), in its language and currency, each
product a deep link into the bot. A digest with nothing new posts nothing. Run once per
schedule however many processes run (the lease "digests", bot/runtime.py).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from html import escape

from telegram.error import Forbidden, TelegramError

from bot.db import utcnow
from bot.i18n import translator
from bot.models import Community
from bot.process.deps import Deps
from bot.services import communities, digests, fx
from bot.services.fx import Table
from bot.telegram.bot import ShopBot
from handlers.money import price_text
from integrations.money import Money

log = logging.getLogger(__name__)
TITLE = 70


async def post_due(bot: ShopBot, deps: Deps) -> int:
    """Post every digest due now; how many were posted."""
    now = utcnow()
    async with deps.sessions() as session:
        due = await digests.due(session, now)
        rates = await fx.table(session)
    posted = 0
    for community in due:
        async with deps.sessions() as session:
            picks = await digests.picks(session, community, digests.since(community, now))
        if picks:
            try:
                await bot.send_html(community.chat_id, render(community, picks, rates, bot))
            except Forbidden:  # removed from the group meanwhile
                async with deps.sessions.begin() as session:
                    await communities.left(session, community.chat_id)
                continue
            except TelegramError as exc:
                log.warning("digest of %s not posted: %s", community.chat_id, exc)
                continue
            posted += 1
        async with deps.sessions.begin() as session:
            await digests.done(session, community.chat_id, picks, now)
    return posted


def render(community: Community, picks: list[digests.Pick], rates: Table, bot: ShopBot) -> str:
    t = translator(community.language)
    _ = t.gettext
    heading = _("Price drops since the last digest") if community.digest == "daily" else _(
        "Price drops of the week")  # fmt: skip
    lines = [f"<b>{escape(heading)}</b>", ""]
    for pick in picks:
        title = pick.title if len(pick.title) <= TITLE else pick.title[: TITLE - 1] + "…"
        now = Money.of_minor(pick.now_minor, pick.currency)
        was = Money.of_minor(pick.was_minor, pick.currency)
        price = price_text(t, now.amount, now.currency, community.currency, rates)
        link = f"https://t.me/{bot.username}?start=p_{pick.product_id}"
        sale = " 🔥" if pick.promotion else ""
        lines.append(
            f'• <a href="{escape(link)}">{escape(title)}</a>: {escape(price)} '
            f"<s>{escape(t.money(was.amount, was.currency))}</s> "
            f"−{escape(t.percent(Decimal(pick.drop_percent) / 100))}{sale}"
        )
    return "\n".join(lines)
