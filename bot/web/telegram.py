"""POST /webhooks/telegram: updates from Telegram in webhook mode.

An update is answered 200 only once it was processed; one that met a failure of the
infrastructure (the database away) is answered 503, and Telegram delivers it again later. While
the process stops, new updates get 503 too (Telegram re-delivers them to the next process) and
those in hand are finished.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update

from bot.web.keys import DEPS, INTAKE, TELEGRAM

log = logging.getLogger(__name__)


async def telegram_webhook(request: web.Request) -> web.Response:
    """Process an update from Telegram; 200 once handled, 503 to have it delivered again."""
    deps = request.app[DEPS]
    app = request.app.get(TELEGRAM)
    if app is None:
        return web.Response(status=404, text="webhook mode is off")
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), deps.settings.webhook_secret().encode()):
        deps.metrics.webhook_rejected.labels("telegram", "secret").inc()
        log.warning("telegram webhook with a wrong secret token from %s", request.remote)
        return web.Response(status=403, text="forbidden")
    intake = request.app[INTAKE]
    if not intake.open:
        deps.metrics.webhook_rejected.labels("telegram", "stopping").inc()
        return web.Response(status=503, text="stopping", headers={"Retry-After": "1"})
    intake.take()
    try:
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
        if await app.handle(update):
            return web.Response(status=200)
        deps.metrics.webhook_rejected.labels("telegram", "unavailable").inc()
        return web.Response(status=503, text="try again", headers={"Retry-After": "5"})
    finally:
        intake.done()
