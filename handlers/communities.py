"""Groups and channels: the bot notices being added or removed (my_chat_member), and a group's
admins set its language, currency, categories and digest with /settings there. Admins are asked
of Telegram (getChatMember), the answer kept ADMIN_SECONDS; anyone else gets a short reply.

A private chat's my_chat_member (the shopper blocked or unblocked the bot) goes to the alerts
outbox (handlers/alerts.py).
"""

from __future__ import annotations

import logging
import time

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.i18n import Translator, available_locales, display_name, translator
from bot.models import Community
from bot.regions import CURRENCIES
from bot.services import categories, communities
from handlers import alerts
from handlers.context import BotContext
from handlers.keyboards import button, grid, markup

log = logging.getLogger(__name__)

ADMIN_SECONDS = 60.0
ADMINS = frozenset({"creator", "administrator"})
PATTERN = (
    r"^cs:(?P<chat>-\d{1,15}):(?P<what>home|lang|cur|dig|cat)(?::(?P<arg>[A-Za-z0-9_]{1,16}))?$"
)
MAX_CATEGORIES = 12  # offered in a community's settings


async def membership(update: Update, context: BotContext) -> None:
    """The bot's own membership changed somewhere."""
    change = update.my_chat_member
    if change is None:
        return
    if change.chat.type == "private":
        await alerts.chat_member(update, context)
        return
    status = change.new_chat_member.status
    async with context.deps.sessions.begin() as session:
        if status in ("member", "administrator", "creator", "restricted"):
            who = change.from_user.id if change.from_user else None
            await communities.joined(
                session, change.chat.id, change.chat.type, change.chat.title or "", who
            )
            log.info("added to %s %s", change.chat.type, change.chat.id)
        else:
            await communities.left(session, change.chat.id)
            log.info("removed from %s %s", change.chat.type, change.chat.id)


async def is_admin(context: BotContext, chat_id: int, user_id: int) -> bool:
    """Whether `user_id` administers `chat_id`, as Telegram says (kept ADMIN_SECONDS)."""
    cache = context.application.bot_data.setdefault("community.admins", {})
    key = (chat_id, user_id)
    known = cache.get(key)
    if known is not None and known[1] > time.monotonic():
        return bool(known[0])
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
        admin = member.status in ADMINS
    except TelegramError as exc:  # the bot was removed, or cannot see members
        log.info("admins of %s not known: %s", chat_id, exc)
        admin = False
    if len(cache) > 10_000:
        cache.clear()
    cache[key] = (admin, time.monotonic() + ADMIN_SECONDS)
    return admin


def community_translator(community: Community | None) -> Translator:
    return translator(community.language if community is not None else "en")


async def group_settings(update: Update, context: BotContext) -> None:
    """/settings in a group: its admins see its settings with buttons; others a short reply."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    async with context.deps.sessions.begin() as session:
        community = await communities.joined(session, chat.id, chat.type, chat.title or "", None)
    t = community_translator(community)
    if not await is_admin(context, chat.id, user.id):
        await context.reply(message, t.gettext("Only this group's admins can change its settings."))
        return
    await context.reply(message, _summary(community, t), _home(community, t))


def _summary(community: Community, t: Translator) -> str:
    _ = t.gettext
    digest = {"off": _("off"), "daily": _("daily"), "weekly": _("weekly")}[community.digest]
    chosen = ", ".join(c.strip() for c in community.categories) or _("all")
    heading = _("Settings of this group")
    return "\n".join([
        f"<b>{heading}</b>", "",
        t.html("Language: {value}", value=display_name(community.language)),
        t.html("Currency: {value}", value=community.currency),
        t.html("Categories: {value}", value=chosen),
        t.html("Digest of price drops: {value}", value=digest),
    ])  # fmt: skip


def _home(community: Community, t: Translator) -> InlineKeyboardMarkup:
    _, chat = t.gettext, community.chat_id
    return markup(
        [button(_("Language"), "cs", chat, "lang"), button(_("Currency"), "cs", chat, "cur")],
        [button(_("Categories"), "cs", chat, "cat"), button(_("Digest"), "cs", chat, "dig")],
    )


async def settings_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and context.match is not None
    chat_id, what, arg = int(context.match["chat"]), context.match["what"], context.match["arg"]
    message = query.message if isinstance(query.message, Message) else None
    if message is None or not await is_admin(context, chat_id, query.from_user.id):
        async with context.deps.sessions() as session:
            t = community_translator(await communities.get(session, chat_id))
        await query.answer(t.gettext("Only this group's admins can change its settings."), True)
        return
    if arg is not None or what == "home":
        try:
            community = await _store(context, chat_id, what, arg)
        except communities.CommunityError:
            await query.answer(context._("This option is not available."), True)
            return
        t = community_translator(community)
        await query.answer()
        await context.edit(message, _summary(community, t), _home(community, t))
        return
    async with context.deps.sessions() as session:
        shown = await communities.get(session, chat_id)
        tree = await categories.tree(session) if what == "cat" else None
    await query.answer()
    if shown is not None:
        t = community_translator(shown)
        await context.edit(message, _summary(shown, t), _choices(shown, t, what, tree))


def _choices(
    community: Community, t: Translator, what: str, tree: categories.Tree | None
) -> InlineKeyboardMarkup:
    chat = community.chat_id

    def tick(label: str, chosen: bool) -> str:
        return f"✓ {label}" if chosen else label

    if what == "lang":
        options = [button(tick(display_name(loc), loc == community.language), "cs", chat,
                          "lang", loc) for loc in available_locales()]  # fmt: skip
    elif what == "cur":
        options = [button(tick(c, c == community.currency), "cs", chat, "cur", c)
                   for c in CURRENCIES]  # fmt: skip
    elif what == "dig":
        names = {"off": t.gettext("off"), "daily": t.gettext("daily"),
                 "weekly": t.gettext("weekly")}  # fmt: skip
        options = [button(tick(names[d], d == community.digest), "cs", chat, "dig", d)
                   for d in communities.DIGESTS]  # fmt: skip
    else:
        assert tree is not None
        options = [button(tick(n.name, n.path in community.categories), "cs", chat, "cat",
                          n.key) for n in tree.top[:MAX_CATEGORIES]]  # fmt: skip
        options.append(button(tick(t.gettext("all"), not community.categories), "cs", chat,
                               "cat", "all"))  # fmt: skip
    return markup(*grid(options, columns=3), [button(t.gettext("« Back"), "cs", chat, "home")])


async def _store(context: BotContext, chat_id: int, what: str, arg: str | None) -> Community:
    async with context.deps.sessions.begin() as session:
        community = await communities.get(session, chat_id)
        if community is None or what == "home" or arg is None:
            if community is None:
                raise communities.CommunityError(f"no community {chat_id}")
            return community
        if what == "lang":
            if arg not in available_locales():
                raise communities.CommunityError(arg)
            return await communities.configure(session, chat_id, language=arg)
        if what == "cur":
            if arg not in CURRENCIES:
                raise communities.CommunityError(arg)
            return await communities.configure(session, chat_id, currency=arg)
        if what == "dig":
            return await communities.configure(session, chat_id, digest=arg)
        chosen = list(community.categories)
        if arg == "all":
            chosen = []
        else:
            node = (await categories.tree(session)).find(arg)
            if node is None:
                raise communities.CommunityError(arg)
            chosen = [c for c in chosen if c != node.path] if node.path in chosen else [
                *chosen, node.path]  # fmt: skip
        return await communities.configure(session, chat_id, categories=chosen)
