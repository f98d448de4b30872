"""The aiohttp application served next to the bot: its routes, and what they are given."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot.process.deps import Deps
from bot.web import health
from bot.web.keys import DEPS, TELEGRAM
from bot.web.telegram import telegram_webhook


def make_web_app(
    deps: Deps, application: Application[Any, Any, Any, Any, Any, Any] | None = None
) -> web.Application:
    """The routes; `application` receives Telegram's webhook updates (webhook mode only)."""
    app = web.Application(client_max_size=1024 * 1024)
    app[DEPS] = deps
    if application is not None:
        app[TELEGRAM] = application
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/metrics", health.metrics)
    app.router.add_post("/webhooks/telegram", telegram_webhook)
    return app
