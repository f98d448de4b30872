"""POST /webhooks/aftership and /webhooks/17track: courier updates, verified on the raw body.

A body whose signature is missing or wrong is answered 401 and changes nothing (AfterShip:
base64 HMAC-SHA256 of the body with the webhook secret; 17TRACK: sha256 of the body, "/" and
the API key; integrations/couriers/). A verified update is applied once
(bot/services/tracking_updates.py: every scan recorded once, the status never moved back) and
answered 200; if the database is away it is answered 503 and the provider delivers it again.
A provider that is not configured here answers 404.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.web.keys import DEPS
from bot.web.webhooks import applied, verified

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # a long tracking history is tens of kilobytes


def courier_webhook(name: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The webhook route of courier provider `name`."""

    async def webhook(request: web.Request) -> web.Response:
        deps = request.app[DEPS]
        courier = deps.couriers.provider(name)
        if courier is None or not courier.push:
            return web.Response(status=404, text=f"{name} is not configured")
        update = await verified(request, name, courier.verify, max_body=MAX_BODY, forged_status=401)
        if isinstance(update, web.Response):
            return update
        work = deps.couriers.receive(update)
        ingested = await applied(name, f"update of {update.number}", work)
        if isinstance(ingested, web.Response):
            return ingested
        log.info("%s update of %s: %s", name, update.number, ingested.outcome)
        return web.json_response({"received": True, "outcome": ingested.outcome})

    return webhook
