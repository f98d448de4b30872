"""GET /healthz and GET /metrics."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError

from bot.db import ping
from bot.sync.jobs import refresh_gauges
from bot.web.keys import DEPS

log = logging.getLogger(__name__)

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
    """Prometheus text. The sync figures are read from the database at most once per
    deps.answers' lifetime (seconds) per process, however many scrapes arrive: scrapes at the
    same moment share one read."""
    deps = request.app[DEPS]
    try:
        await deps.answers.get_or_make(("metrics", "sync"), lambda: refresh_gauges(deps))
    except SQLAlchemyError as exc:  # metrics must answer even when the database does not
        log.warning("could not read sync runs for /metrics: %r", exc)
    return web.Response(body=deps.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})
