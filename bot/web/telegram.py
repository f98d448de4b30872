"""POST /webhooks/telegram: updates from Telegram in webhook mode."""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update

from bot.web.keys import DEPS, TELEGRAM

log = logging.getLogger(__name__)


async def telegram_webhook(request: web.Request) -> web.Response:
    """Take an update from Telegram; answer fast, process in the background."""
    deps = request.app[DEPS]
    app = request.app.get(TELEGRAM)
    if app is None:
        return web.Response(status=404, text="webhook mode is off")
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), deps.settings.webhook_secret().encode()):
        deps.metrics.webhook_rejected.labels("telegram", "secret").inc()
        log.warning("telegram webhook with a wrong secret token from %s", request.remote)
        return web.Response(status=403, text="forbidden")
    try:
        data = json.loads(await request.read())
        if not isinstance(data, dict):
            raise TypeError("update is not a JSON object")
        update = Update.de_json(data, app.bot)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        # Authenticated but unreadable: 200, or Telegram would re-send it forever.
        deps.metrics.webhook_rejected.labels("telegram", "malformed").inc()
        log.error("unreadable telegram update: %r", exc)
        return web.Response(status=200)
    await app.update_queue.put(update)
    return web.Response(status=200)
