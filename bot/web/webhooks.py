"""What every provider webhook does before and after its own work: read the raw body (capped),
have the provider's adapter verify its signature and parse it (a forgery is refused and
counted, never parsed into anything), then apply it, answering 503 with Retry-After when the
database is away so the provider delivers it again."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from aiohttp import web

from bot.faults import infrastructure
from bot.web.keys import DEPS
from integrations.errors import Forged, IntegrationError

log = logging.getLogger(__name__)
T = TypeVar("T")


async def verified(
    request: web.Request,
    name: str,
    verify: Callable[[bytes, Mapping[str, str]], T],
    *,
    max_body: int,
    forged_status: int,
) -> T | web.Response:
    """The provider's event in the request, or the answer refusing it."""
    metrics = request.app[DEPS].metrics
    if (request.content_length or 0) > max_body:
        return web.Response(status=413, text="too large")
    raw = await request.read()
    try:
        return verify(raw, request.headers)
    except Forged as exc:
        metrics.webhook_rejected.labels(name, "signature").inc()
        log.warning("%s webhook refused from %s: %s", name, request.remote, exc)
        return web.Response(status=forged_status, text="bad signature")
    except IntegrationError as exc:
        metrics.webhook_rejected.labels(name, "malformed").inc()
        log.warning("%s webhook unreadable: %s", name, exc)
        return web.Response(status=400, text="unreadable event")


async def applied(name: str, what: str, work: Awaitable[T]) -> T | web.Response:
    """`work`'s result, or 503 (the provider tries again) when the database is away."""
    try:
        return await work
    except Exception as exc:
        if not infrastructure(exc):
            raise
        log.warning("%s %s must come again: %r", name, what, exc)
        return web.Response(status=503, text="try again", headers={"Retry-After": "5"})
