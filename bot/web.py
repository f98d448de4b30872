"""aiohttp routes served next to the bot: health, metrics and webhooks."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import Application

from bot.db import ping
from bot.deps import Deps
from bot.syncing import refresh_gauges

log = logging.getLogger(__name__)

DEPS: web.AppKey[Deps] = web.AppKey("deps", Deps)
TELEGRAM: web.AppKey[Application[Any, Any, Any, Any, Any, Any]] = web.AppKey(
    "telegram", Application
)
CHECK_TIMEOUT = 3.0


async def healthz(request: web.Request) -> web.Response:
    """200 when the database (and Redis, when configured) answer; 503 naming what failed."""
    deps = request.app[DEPS]
    checks: dict[str, str] = {}
    checks["database"] = await _check(ping(deps.engine))
    if deps.redis is not None:
        checks["redis"] = await _check(deps.redis.ping())
    healthy = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if healthy else "unavailable", **checks}
    return web.json_response(body, status=200 if healthy else 503)


async def _check(probe: Any) -> str:
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT)
    except Exception as exc:
        log.warning("health check failed: %r", exc)
        return "error"
    return "ok"


async def metrics(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    try:
        await refresh_gauges(deps)
    except SQLAlchemyError as exc:  # metrics must answer even when the database does not
        log.warning("could not read sync runs for /metrics: %r", exc)
    body = deps.metrics.render()
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4"})


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
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # Authenticated but unreadable: 200, or Telegram would re-send it forever.
        deps.metrics.webhook_rejected.labels("telegram", "malformed").inc()
        log.error("unreadable telegram update: %r", exc)
        return web.Response(status=200)
    await app.update_queue.put(update)
    return web.Response(status=200)


def make_web_app(
    deps: Deps, telegram: Application[Any, Any, Any, Any, Any, Any] | None = None
) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[DEPS] = deps
    if telegram is not None:
        app[TELEGRAM] = telegram
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_post("/webhooks/telegram", telegram_webhook)
    return app
