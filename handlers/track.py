"""/track NUMBER: anyone follows any parcel number (its alerts come as it moves); /track alone
lists the numbers followed, each with a stop button; a number's button shows its history."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Message, Update

from bot.i18n import Translator
from bot.models import Tracking, TrackingEvent
from bot.services import tracking
from bot.services.tracking import TrackError
from handlers.context import BotContext
from handlers.keyboards import button, markup
from integrations.couriers.detect import CARRIERS, BadNumber, parse

STOP = r"^tu:(?P<id>\d{1,15})$"
SHOW = r"^th:(?P<id>\d{1,15})$"
HISTORY = 8  # scans shown
MAX_TEXT = 200  # of a courier's description or place, in a line


def status_text(t: Translator, status: str | None) -> str:
    _ = t.gettext
    names = {
        None: _("no news from the courier yet"), "info_received": _("label created"),
        "in_transit": _("in transit"), "customs_processing": _("in customs"),
        "customs_action_required": _("customs need something from you"),
        "customs_released": _("released by customs"), "out_for_delivery": _("out for delivery"),
        "available_for_pickup": _("waiting for you at a pickup point"),
        "delivery_failed": _("delivery attempt failed"), "delivered": _("delivered"),
        "exception": _("a problem with the delivery"), "returning": _("returning to the sender"),
        "expired": _("no news for too long: tracking stopped"),
    }  # fmt: skip
    return names.get(status, status or "")


def carrier_title(code: str | None) -> str:
    carrier = CARRIERS.get(code or "")
    return carrier.title if carrier else (code or "")


async def track_command(update: Update, context: BotContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    text = " ".join(context.args or [])
    if not text:
        body, keyboard = await _followed(context, user.id)
        await context.reply(message, body, keyboard)
        return
    try:
        number, carrier = parse(text)
    except BadNumber as exc:
        await context.reply(message, _bad_number(context, exc.reason))
        return
    try:
        followed = await context.deps.couriers.follow(
            user.id, number, carrier.code if carrier else None
        )
    except TrackError:
        await context.reply(message, context.hn(
            "You follow {n} number already: stop one with /track first.",
            "You follow {n} numbers already: stop one with /track first.",
            tracking.MAX_FOLLOWS))  # fmt: skip
        return
    body, keyboard = await _card(context, followed.tracking.id)
    await context.reply(message, body, keyboard)


def _bad_number(context: BotContext, reason: str) -> str:
    if reason == "too_long":
        return context.h("That is too long for a tracking number.")
    return context.h(
        "That does not look like a tracking number: send letters and digits, "
        "like /track RR123456785CN."
    )


async def _card(context: BotContext, tracking_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """A number's status and latest scans, with a stop button."""
    async with context.deps.sessions() as session:
        track = await tracking.get(session, tracking_id)
        scans = await tracking.history(session, tracking_id, HISTORY) if track else []
    if track is None:
        return context.h("That number is no longer followed."), None
    lines = [_heading(context, track), ""]
    lines += [_scan(context.t, s) for s in scans] or [context.h(
        "You will get a message as soon as the courier reports it.")]  # fmt: skip
    keyboard = markup(
        [button(context._("Stop alerts"), "tu", track.id)],
        [button(context._("« All numbers"), "th", 0)],
    )
    return "\n".join(lines), keyboard


def _heading(context: BotContext, track: Tracking) -> str:
    carrier = carrier_title(track.carrier)
    where = f" · {escape(carrier)}" if carrier else ""
    return (
        f"📦 <code>{escape(track.number)}</code>{where}\n"
        f"<b>{escape(status_text(context.t, track.status))}</b>"
    )


def _scan(t: Translator, scan: TrackingEvent) -> str:
    parts = [t.date(scan.occurred_at, "short"), scan.message[:MAX_TEXT], scan.location[:MAX_TEXT]]
    return "• " + escape(" · ".join(p for p in parts if p))


async def _followed(context: BotContext, user_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    async with context.deps.sessions() as session:
        found = await tracking.followed(session, user_id)
    if not found:
        return context.h(
            "You follow no parcels. Send /track and a tracking number, like /track RR123456785CN."
        ), None
    heading = context.h("Parcels you follow")
    lines = [f"<b>{heading}</b>", ""]
    rows = []
    for track in found:
        lines.append(
            f"<code>{escape(track.number)}</code> · {escape(status_text(context.t, track.status))}"
        )
        rows.append([button(track.number, "th", track.id),
                     button("✖ " + context._("Stop"), "tu", track.id)])  # fmt: skip
    return "\n".join(lines), markup(*rows)


async def stop_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and context.match is not None
    stopped = await context.deps.couriers.unfollow(query.from_user.id, int(context.match["id"]))
    await query.answer(
        context._("Alerts stopped.") if stopped else context._("You did not follow it.")
    )
    if isinstance(query.message, Message):
        body, keyboard = await _followed(context, query.from_user.id)
        await context.edit(query.message, body, keyboard)


async def show_button(update: Update, context: BotContext) -> None:
    """A number's card (th:<id>), or the list of numbers followed (th:0)."""
    query = update.callback_query
    assert query is not None and context.match is not None
    await query.answer()
    tracking_id = int(context.match["id"])
    if tracking_id:
        body, keyboard = await _card(context, tracking_id)
    else:
        body, keyboard = await _followed(context, query.from_user.id)
    if isinstance(query.message, Message):
        await context.edit(query.message, body, keyboard)
    else:
        await context.bot.send_html(query.from_user.id, body, keyboard=keyboard)
