"""The shopper's answer to the QC photos of an order: Approve (the goods are stored until
they ship) or Return (a return is requested; the operators see it in /ops)."""

from __future__ import annotations

from telegram import Message, Update

from bot.services import fulfilment
from bot.services.order_states import IllegalTransition
from bot.services.orders import OrderError
from handlers.context import BotContext

APPROVE = r"^qa:(?P<id>\d{1,15})$"
RETURN = r"^qr:(?P<id>\d{1,15})$"


async def qc_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and context.match is not None
    order_id, approve = int(context.match["id"]), query.data is not None and query.data[1] == "a"
    try:
        async with context.deps.sessions.begin() as session:
            await fulfilment.qc_answer(session, order_id, query.from_user.id, approve)
    except OrderError:
        await query.answer(context._("That order is not yours or no longer exists."), True)
        return
    except IllegalTransition:
        await query.answer(context._("This order was answered already."), True)
        return
    if approve:
        await query.answer(context._("Approved: we keep it safe until it ships."), True)
    else:
        await query.answer(context._("Return requested: an operator will contact you."), True)
    if isinstance(query.message, Message):
        await context.edit(query.message, None, None)
