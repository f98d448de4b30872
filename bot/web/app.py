"""The aiohttp application served next to the bot: its routes, and what they are given."""

from __future__ import annotations

from aiohttp import web

from bot.process.deps import Deps
from bot.telegram.app import ShopbotApplication
from bot.web import health
from bot.web.couriers import courier_webhook
from bot.web.intake import Intake
from bot.web.keys import DEPS, INTAKE, TELEGRAM
from bot.web.stripe import payment_done, stripe_webhook
from bot.web.telegram import telegram_webhook


def make_web_app(deps: Deps, application: ShopbotApplication | None = None) -> web.Application:
    """The routes; `application` handles Telegram's webhook updates (webhook mode only). Close
    `app[INTAKE]` to turn new webhook updates away while stopping."""
    app = web.Application(client_max_size=1024 * 1024)
    app[DEPS] = deps
    app[INTAKE] = Intake()
    if application is not None:
        app[TELEGRAM] = application
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/metrics", health.metrics)
    app.router.add_post("/webhooks/telegram", telegram_webhook)
    app.router.add_post("/webhooks/stripe", stripe_webhook)
    app.router.add_post("/webhooks/aftership", courier_webhook("aftership"))
    app.router.add_post("/webhooks/17track", courier_webhook("17track"))
    app.router.add_get("/paid", payment_done)
    app.router.add_get("/cancelled", payment_done)
    return app
