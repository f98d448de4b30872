"""Every handler wired in one place, and the Application they run in."""

from __future__ import annotations

from typing import Any, Unpack

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    PreCheckoutQueryHandler,
    ShippingQueryHandler,
    TypeHandler,
    filters,
)

from bot.process.deps import Deps
from bot.telegram.app import Options, ShopbotApplication, build_application
from handlers import (
    alerts,
    cart,
    categories,
    checkout,
    communities,
    deals,
    fallback,
    inline,
    invoices,
    language,
    links,
    operators,
    orders,
    product,
    qc,
    search,
    search_view,
    settings,
    start,
    track,
    watches,
)
from handlers.context import BotContext
from handlers.errors import on_error
from handlers.middleware import load_user


def build(deps: Deps, **options: Unpack[Options]) -> ShopbotApplication:
    """The bot's Application: every handler here wired, each given a BotContext; payment
    events that queued alerts have them sent through it."""
    app = build_application(deps, register, context_type=BotContext, **options)
    deps.payments.on_alerts = alerts.kick(lambda update: _feed(app, deps, update))
    deps.couriers.on_alerts = deps.payments.on_alerts
    return app


def _feed(app: ShopbotApplication, deps: Deps, update: object) -> None:
    """A service update into the Application: its queue while it runs, else (tests, the
    playground) processed in the background, awaited when the process stops."""
    if app.running:
        app.update_queue.put_nowait(update)
    else:
        deps.payments.later(app.process_update(update))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Wire every handler; order within a group matters (first match wins)."""
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, fallback.ignore_edit), group=-2)
    app.add_handler(TypeHandler(Update, load_user), group=-1)

    app.add_handler(fallback.EmptyButton(fallback.stale_button))
    app.add_handler(CommandHandler("start", start.start))
    app.add_handler(CommandHandler("help", start.help_command))
    app.add_handler(CommandHandler("language", language.language_command))
    app.add_handler(
        CommandHandler("settings", communities.group_settings, filters=filters.ChatType.GROUPS)
    )
    app.add_handler(CommandHandler("settings", settings.settings_command))
    app.add_handler(CommandHandler("search", search.search_text))
    app.add_handler(CommandHandler("categories", categories.categories_command))
    app.add_handler(CallbackQueryHandler(categories.category_button, pattern=categories.PATTERN))
    app.add_handler(CallbackQueryHandler(language.choose_language, pattern=language.PATTERN))
    app.add_handler(CallbackQueryHandler(settings.settings_button, pattern=settings.PATTERN))
    app.add_handler(CallbackQueryHandler(search.results_button, pattern=search_view.RESULTS))
    app.add_handler(CallbackQueryHandler(search.filter_button, pattern=search_view.FILTER_MENU))
    app.add_handler(CallbackQueryHandler(product.product_button, pattern=product.PRODUCT))
    app.add_handler(CallbackQueryHandler(product.sku_button, pattern=product.SKU))
    app.add_handler(CallbackQueryHandler(product.close_button, pattern=product.CLOSE))
    app.add_handler(CommandHandler("cart", cart.cart_command))
    app.add_handler(CallbackQueryHandler(cart.add_button, pattern=cart.ADD))
    app.add_handler(CallbackQueryHandler(cart.pick_button, pattern=cart.PICK))
    app.add_handler(CallbackQueryHandler(cart.line_button, pattern=cart.LINE))
    app.add_handler(CallbackQueryHandler(cart.show_button, pattern=cart.SHOW))
    app.add_handler(CallbackQueryHandler(checkout.start_button, pattern=checkout.START))
    app.add_handler(CallbackQueryHandler(checkout.line_button, pattern=checkout.LINE))
    app.add_handler(CallbackQueryHandler(checkout.pay_button, pattern=checkout.PAY))
    app.add_handler(CommandHandler("orders", orders.orders_command))
    app.add_handler(CallbackQueryHandler(orders.open_button, pattern=orders.OPEN))
    app.add_handler(CallbackQueryHandler(orders.list_button, pattern=orders.LIST))
    app.add_handler(CallbackQueryHandler(orders.difference_button, pattern=orders.DIFFERENCE))
    app.add_handler(CallbackQueryHandler(orders.cancel_button, pattern=orders.CANCEL))
    app.add_handler(CommandHandler("refund", operators.refund_command))
    app.add_handler(CallbackQueryHandler(qc.qc_button, pattern=qc.APPROVE))
    app.add_handler(CallbackQueryHandler(qc.qc_button, pattern=qc.RETURN))
    app.add_handler(CommandHandler("track", track.track_command))
    app.add_handler(CallbackQueryHandler(track.stop_button, pattern=track.STOP))
    app.add_handler(CallbackQueryHandler(track.show_button, pattern=track.SHOW))
    app.add_handler(CommandHandler("ops", operators.ops_command))
    app.add_handler(CommandHandler("bought", operators.bought_command))
    app.add_handler(CommandHandler("sellershipped", operators.seller_shipped_command))
    app.add_handler(CommandHandler("received", operators.received_command))
    app.add_handler(CommandHandler("pack", operators.pack_command))
    app.add_handler(CommandHandler("ship", operators.ship_command))
    app.add_handler(
        MessageHandler(
            filters.PHOTO & filters.CaptionRegex(operators.QC_CAPTION), operators.qc_photo
        )
    )
    app.add_handler(ChatMemberHandler(communities.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CallbackQueryHandler(communities.settings_button, pattern=communities.PATTERN))
    app.add_handler(CommandHandler("deal", deals.deal_command))
    app.add_handler(CallbackQueryHandler(deals.choose_button, pattern=deals.CHOOSE))
    app.add_handler(CommandHandler("mydeals", deals.mydeals_command))
    app.add_handler(CallbackQueryHandler(deals.period_button, pattern=deals.PERIOD))
    app.add_handler(CommandHandler("watches", watches.watches_command))
    app.add_handler(CallbackQueryHandler(watches.watch_button, pattern=watches.WATCH))
    app.add_handler(CallbackQueryHandler(watches.remove_button, pattern=watches.REMOVE))
    start.DEEP_LINKS["d"] = deals.open_deal_link
    app.add_handler(alerts.AlertsHandler())
    app.add_handler(ShippingQueryHandler(invoices.shipping_query))
    app.add_handler(PreCheckoutQueryHandler(invoices.pre_checkout))
    app.add_handler(MessageHandler(filters.SUCCESSFUL_PAYMENT, invoices.successful_payment))
    app.add_handler(InlineQueryHandler(inline.inline_search))
    start.DEEP_LINKS["p"] = product.open_product_link

    private = filters.ChatType.PRIVATE
    text = filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(private & text & links.MARKETPLACE_LINK, links.product_link))
    app.add_handler(MessageHandler(private & filters.COMMAND, fallback.unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT, search.search_text))
    app.add_handler(MessageHandler(private & ~filters.TEXT, fallback.other_content))
    app.add_handler(CallbackQueryHandler(fallback.stale_button))
    app.add_error_handler(on_error)
