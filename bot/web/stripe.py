"""POST /webhooks/stripe: payment events, verified on the raw body, applied once.

A body whose signature is missing, wrong or older than Stripe's 300 s tolerance is answered 400
and changes nothing. A verified event is applied in one transaction (bot/services/payments.py:
deduplicated by its id, so Stripe's at-least-once delivery applies it once) and answered 200;
if the database is away it is answered 503 and Stripe delivers it again. Alerts and refunds
run after the answer. Event types we do not act on get 200 and a log line.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.web import webhooks
from bot.web.keys import DEPS
from bot.web.webhooks import verified

log = logging.getLogger(__name__)

MAX_BODY = 512 * 1024  # Stripe's events are a few kilobytes


async def stripe_webhook(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    provider = deps.payments.provider
    if provider is None or provider.name != "stripe":
        return web.Response(status=404, text="payments are not configured")
    event = await verified(
        request, "stripe", provider.parse_event, max_body=MAX_BODY, forged_status=400
    )
    if isinstance(event, web.Response):
        return event
    applied = await webhooks.applied(
        "stripe", f"event {event.event_id}", deps.payments.receive(event)
    )
    if isinstance(applied, web.Response):
        return applied
    log.info("stripe event %s (%s): %s", event.event_id, event.kind, applied.outcome)
    return web.json_response({"received": True, "outcome": applied.outcome})


PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family:sans-serif;text-align:center;margin-top:20vh"><h1>{title}</h1>
<p>You can close this page and go back to Telegram: the bot tells you what happens next.</p>
</body></html>"""


async def payment_done(request: web.Request) -> web.Response:
    """Where the payment page sends the shopper back (success_url / cancel_url)."""
    title = "Thank you" if request.path.endswith("/paid") else "Payment cancelled"
    return web.Response(text=PAGE.format(title=title), content_type="text/html")
