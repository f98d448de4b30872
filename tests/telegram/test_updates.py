"""Events from outside Telegram reach handlers as their own update type."""

from __future__ import annotations

from telegram.ext import TypeHandler

from bot.telegram.app import ShopbotApplication
from bot.telegram.updates import ServiceUpdate
from handlers.context import BotContext


async def test_a_service_update_reaches_its_handler_with_the_users_context(
    app: ShopbotApplication,
) -> None:
    seen: list[tuple[ServiceUpdate, BotContext]] = []

    async def settled(update: ServiceUpdate, context: BotContext) -> None:
        context.user_data["paid"] = update.event_id  # type: ignore[index]
        context.chat_data["told"] = True  # type: ignore[index]
        seen.append((update, context))

    app.add_handler(TypeHandler(ServiceUpdate, settled))  # type: ignore[arg-type]
    app.user_data[7]["language"] = "ru"
    await app.process_update(ServiceUpdate("stripe", "evt_1", user_id=7, chat_id=70))

    ((update, _),) = seen
    assert update.source == "stripe"
    assert app.user_data[7] == {"language": "ru", "paid": "evt_1"}  # the user's own data
    assert app.chat_data[70] == {"told": True}
    metrics = app.bot_data["deps"].metrics.render().decode()
    assert 'shopbot_updates_total{kind="service:stripe"} 1.0' in metrics
