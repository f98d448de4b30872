"""Operators' commands (ADMIN_IDS): the orders waiting for them, and each fulfilment step.

/ops lists what waits; /bought ORDER REF, /sellershipped ORDER NUMBER, /received ORDER, a photo
captioned /qc ORDER (the QC photos go to the shopper with Approve / Return buttons), /pack
ORDER... GRAMS LxWxH, /ship PARCEL NUMBER [CARRIER] and /refund ORDER [AMOUNT]. The steps
are bot/process/operators.py, shared with the CLI; anyone else gets a short refusal.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine
from html import escape
from typing import Any

from telegram import Message, Update

from bot.process import operators
from bot.services import fulfilment
from bot.services.order_states import IllegalTransition
from bot.services.orders import OrderError
from handlers.context import BotContext
from handlers.orders import status_name
from handlers.track import carrier_title
from integrations.couriers.detect import CARRIERS, BadNumber

DIMENSIONS = re.compile(r"^(\d{1,3})[x×*](\d{1,3})[x×*](\d{1,3})$", re.IGNORECASE)
QC_CAPTION = r"^/qc(?:@\w+)?\s+(?P<id>\d{1,15})\s*$"


Step = Callable[[BotContext, Message, int], Awaitable[None]]


def for_operators(step: Step) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    """A handler that runs `step(context, message, operator id)` for ADMIN_IDS only; anyone
    else gets a short refusal."""

    async def handler(update: Update, context: BotContext) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        if user.id not in context.deps.settings.admin_ids:
            await context.reply(message, context.h("This command is for operators."))
            return
        await step(context, message, user.id)

    handler.__doc__ = step.__doc__
    return handler


async def _run(context: BotContext, message: Message, step: Callable[[], Awaitable[str]]) -> None:
    """Do an operator's step and say what it did, or why not (in a line, never a trace)."""
    try:
        done = await step()
    except (OrderError, IllegalTransition, BadNumber, ValueError) as exc:
        await context.reply(message, context.h("Not done: {why}", why=_why(context, exc)))
        return
    await context.reply(message, done)


def _why(context: BotContext, exc: Exception) -> str:
    if isinstance(exc, IllegalTransition):
        return context.t.format(
            "order #{order} is {state}",
            order=exc.order_id,
            state=status_name(context.t, exc.source),
        )
    if isinstance(exc, BadNumber):
        return context._("that is not a tracking number")
    return str(exc)


@for_operators
async def ops_command(context: BotContext, message: Message, operator: int) -> None:
    """/ops: the orders waiting for an operator, by what they wait for."""
    async with context.deps.sessions() as session:
        waiting = await fulfilment.waiting(session)
    if not waiting:
        await context.reply(message, context.h("Nothing waits for an operator."))
        return
    t = context.t
    heading = context.h("Waiting for an operator")
    lines = [f"<b>{heading}</b>"]
    status = None
    for o in waiting:
        if o.status != status:
            status = o.status
            lines += ["", f"<b>{escape(status_name(t, o.status))}</b> · {NEXT.get(o.status, '')}"]
        parcel = f" · 📦 {o.parcel_id}" if o.parcel_id else ""
        lines.append(
            f"#{o.id} · {escape(t.money(o.total.amount, o.total.currency))} · "
            f"{o.items} · {escape(t.date(o.updated_at, 'short'))}{parcel}"
        )
    await context.reply(message, "\n".join(lines))


# The command that takes an order on from each state (shown in /ops; commands are not
# translated).
NEXT = {
    "paid": "/bought ORDER REF", "purchasing": "/bought ORDER REF",
    "purchased": "/sellershipped ORDER NUMBER", "seller_shipped": "/received ORDER",
    "warehouse_received": "📷 /qc ORDER", "return_requested": "/refund ORDER",
    "stored": "/pack ORDER... GRAMS LxWxH", "in_parcel": "/ship PARCEL NUMBER [CARRIER]",
}  # fmt: skip


@for_operators
async def bought_command(context: BotContext, message: Message, operator: int) -> None:
    await _order_step(context, message, operator, 2, "/bought ORDER REF")


@for_operators
async def seller_shipped_command(context: BotContext, message: Message, operator: int) -> None:
    await _order_step(context, message, operator, 2, "/sellershipped ORDER NUMBER")


@for_operators
async def received_command(context: BotContext, message: Message, operator: int) -> None:
    await _order_step(context, message, operator, 1, "/received ORDER")


async def _order_step(
    context: BotContext, message: Message, operator: int, count: int, usage: str
) -> None:
    args = context.args or []
    if len(args) != count or not args[0].isdigit():
        await context.reply(message, context.h("Usage: {usage}", usage=usage))
        return
    order_id = int(args[0])
    command = usage.split()[0]

    async def step() -> str:
        if command == "/bought":
            await operators.bought(context.deps, order_id, operator, args[1])
        elif command == "/sellershipped":
            await operators.seller_shipped(context.deps, order_id, operator, args[1])
        else:
            await operators.received(context.deps, order_id, operator)
        return context.h("Order #{order}: done, the shopper is told.", order=order_id)

    await _run(context, message, step)


@for_operators
async def qc_photo(context: BotContext, message: Message, operator: int) -> None:
    """A photo captioned /qc ORDER: the QC photo goes to the shopper to approve or return."""
    if not message.photo or context.match is None:
        return
    order_id = int(context.match["id"])
    photo = message.photo[-1].file_id  # the largest size

    async def step() -> str:
        await operators.qc(context.deps, order_id, operator, [photo])
        return context.h("Order #{order}: QC photo sent to the shopper.", order=order_id)

    await _run(context, message, step)


@for_operators
async def pack_command(context: BotContext, message: Message, operator: int) -> None:
    """/pack ORDER... GRAMS LxWxH: stored orders into one parcel."""
    args = context.args or []
    dims = DIMENSIONS.match(args[-1]) if args else None
    if len(args) < 3 or dims is None or not all(a.isdigit() for a in args[:-1]):
        await context.reply(
            message, context.h("Usage: {usage}", usage="/pack ORDER... GRAMS LxWxH")
        )
        return
    ids, grams = [int(a) for a in args[:-2]], int(args[-2])

    async def step() -> str:
        size = fulfilment.Size(grams, *(int(d) for d in dims.groups()))
        parcel = await operators.pack(context.deps, ids, operator, size)
        packed = ", ".join(f"#{i}" for i in sorted(set(ids)))
        return context.h(
            "Parcel {parcel} packed: {orders}. Ship it with /ship {parcel} NUMBER.",
            parcel=parcel, orders=packed,
        )  # fmt: skip

    await _run(context, message, step)


@for_operators
async def ship_command(context: BotContext, message: Message, operator: int) -> None:
    """/ship PARCEL NUMBER [CARRIER]: the parcel left; its shoppers follow the number."""
    args = context.args or []
    if len(args) < 2 or not args[0].isdigit():
        await context.reply(
            message, context.h("Usage: {usage}", usage="/ship PARCEL NUMBER [CARRIER]")
        )
        return
    # The number may come with spaces ("RR 123 456 785 CN"); a known carrier code ends it.
    rest = args[1:]
    carrier = rest.pop().lower() if len(rest) > 1 and rest[-1].lower() in CARRIERS else None
    parcel_id, number = int(args[0]), " ".join(rest)

    async def step() -> str:
        shipped = await operators.ship(context.deps, parcel_id, operator, number, carrier)
        return context.h(
            "Parcel {parcel} shipped as {number} ({carrier}): orders {orders} told.",
            parcel=parcel_id, number=shipped.number, carrier=carrier_title(shipped.carrier) or "?",
            orders=", ".join(f"#{i}" for i in shipped.orders),
        )  # fmt: skip

    await _run(context, message, step)


@for_operators
async def refund_command(context: BotContext, message: Message, operator: int) -> None:
    """/refund ORDER [amount in minor units]."""
    args = context.args or []
    if not 1 <= len(args) <= 2 or not all(a.isdigit() for a in args):
        await context.reply(message, context.h("Usage: /refund ORDER [AMOUNT in cents]"))
        return
    amount = int(args[1]) if len(args) == 2 else None
    try:
        refund_id = await context.deps.payments.refund(int(args[0]), "operator", amount)
    except OrderError as exc:
        await context.reply(message, context.h("Not refunded: {why}", why=str(exc)))
        return
    await context.reply(
        message, context.h("Refund {refund} of order #{order} asked.", refund=refund_id,
                           order=args[0]),
    )  # fmt: skip
