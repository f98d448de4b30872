"""A fake AfterShip Tracking API (tests only), version 2025-07, and its signed webhooks.

Serves ``POST /tracking/2025-07/trackings`` (create: ``{"tracking_number", "slug"?}``),
``GET /tracking/2025-07/trackings?tracking_numbers=&slug=`` (list), ``GET`` and ``DELETE
/tracking/2025-07/trackings/{id}``. Header ``as-api-key`` must be ``api_key`` (else 401
``{"meta": {"code": 401, "message": "Invalid API key.", "type": "Unauthorized"}}``); a
tracking that exists already is refused with 409 / meta.code 4003, an unknown id with 404 /
4004. Trackings live in ``trackings`` (by id); ``advance(number, tag, subtag, ...)`` adds a
checkpoint as a carrier scan would.

Webhooks are signed as AfterShip signs them, with its own code (not the adapter's):
``aftership-hmac-sha256`` = base64(HMAC-SHA256(webhook_secret, body)). ``webhook(number)``
builds (body, headers) without sending; ``push(url, number)`` POSTs them and returns the
status. ``plan`` (see server.py) takes a step per API request. ``calls`` records (method, path,
query, JSON body) of each.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from tests.integrations.fakes.server import FakeServer

API_KEY = "asat_0123456789abcdef0123456789abcdef"
WEBHOOK_SECRET = "fake-aftership-webhook-secret"
VERSION = "2025-07"
PATH = f"/tracking/{VERSION}/trackings"
SIGNATURE_HEADER = "aftership-hmac-sha256"


def sign(body: bytes, secret: str) -> str:
    """AfterShip's webhook signature, written again here on purpose."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def refusal(status: int, code: int, message: str, kind: str) -> web.Response:
    body = {"meta": {"code": code, "message": message, "type": kind}, "data": {}}
    return web.json_response(body, status=status)


def ok(data: dict[str, Any], status: int = 200) -> web.Response:
    body = {"meta": {"code": status, "message": "", "type": "OK"}, "data": data}
    return web.json_response(body, status=status)


def checkpoint(
    tag: str,
    subtag: str,
    message: str,
    when: str,
    *,
    city: str = "",
    country: str = "",
    slug: str = "china-post",
) -> dict[str, Any]:
    """A checkpoint object as AfterShip sends it (``when``: the carrier's time)."""
    return {
        "slug": slug,
        "checkpoint_time": when,
        "created_at": when,
        "tag": tag,
        "subtag": subtag,
        "subtag_message": subtag.replace("_", " "),
        "message": message,
        "location": None,
        "city": city or None,
        "state": None,
        "zip": None,
        "country_region": country or None,
        "country_region_name": None,
        "raw_tag": None,
        "source": "carrier",
    }


@dataclass
class FakeAfterShip(FakeServer[dict[str, Any]]):
    retry_after = "1"

    api_key: str = API_KEY
    webhook_secret: str = WEBHOOK_SECRET
    trackings: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    @property
    def api_base(self) -> str:
        return self.base

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_post(PATH, self._create)
        router.add_get(PATH, self._list)
        router.add_get(PATH + "/{id}", self._get)
        router.add_delete(PATH + "/{id}", self._delete)

    # ----------------------------------------------------------------- the state

    def add(self, number: str, slug: str = "china-post", **fields: Any) -> dict[str, Any]:
        """A tracking, as if created through the API (Pending, no checkpoints)."""
        tracking: dict[str, Any] = {
            "id": f"as{next(self._ids):030d}",
            "tracking_number": number,
            "slug": slug,
            "active": True,
            "tag": "Pending",
            "subtag": "Pending_001",
            "subtag_message": "Pending",
            "title": number,
            "checkpoints": [],
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        } | fields
        self.trackings[tracking["id"]] = tracking
        return tracking

    def find(self, number: str) -> dict[str, Any] | None:
        return next((t for t in self.trackings.values() if t["tracking_number"] == number), None)

    def advance(
        self, number: str, tag: str, subtag: str, message: str, when: str, **kw: Any
    ) -> None:
        """A carrier scan: a new checkpoint, and the tracking's tag becomes its tag."""
        tracking = self.find(number)
        assert tracking is not None, f"{number} is not tracked"
        tracking["checkpoints"].append(
            checkpoint(tag, subtag, message, when, slug=tracking["slug"], **kw)
        )
        tracking.update(tag=tag, subtag=subtag, subtag_message=subtag.replace("_", " "))
        if tag in ("Delivered", "Expired"):
            tracking["active"] = False

    # ----------------------------------------------------------------- webhooks

    def webhook(
        self, number: str, *, secret: str | None = None, event_id: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The signed delivery AfterShip would send for `number` now: (raw body, headers)."""
        tracking = self.find(number)
        assert tracking is not None, f"{number} is not tracked"
        payload = {
            "ts": int(datetime.now(UTC).timestamp()),
            "event": "tracking_update",
            "event_id": event_id or str(uuid.uuid4()),
            "is_tracking_first_tag": False,
            "msg": tracking,
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "as-webhook-version": VERSION,
            SIGNATURE_HEADER: sign(body, secret or self.webhook_secret),
        }
        return body, headers

    async def push(self, url: str, number: str, **kw: Any) -> int:
        """POSTs the signed delivery for `number` to `url`; the HTTP status it got."""
        body, headers = self.webhook(number, **kw)
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body, headers=headers) as response,
        ):
            return response.status

    # ----------------------------------------------------------------- the API

    async def _record(self, request: web.Request) -> tuple[Any, web.Response | None]:
        """The request's JSON body, and the answer to send instead of the normal one."""
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        self.calls.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "json": body,
            }
        )
        misbehaviour = await self.misbehave()
        if misbehaviour is not None:
            return body, misbehaviour
        if request.headers.get("as-api-key") != self.api_key:
            return body, refusal(401, 401, "Invalid API key.", "Unauthorized")
        return body, None

    async def _create(self, request: web.Request) -> web.Response:
        body, refused = await self._record(request)
        if refused is not None:
            return refused
        if not isinstance(body, dict):
            return refusal(400, 4001, "Invalid JSON data.", "BadRequest")
        number = body.get("tracking_number")
        if not isinstance(number, str) or not number:
            return refusal(400, 4007, "tracking_number is required.", "BadRequest")
        if self.find(number) is not None:
            return refusal(409, 4003, "Tracking already exists.", "BadRequest")
        return ok(self.add(number, body.get("slug") or "china-post"), status=201)

    async def _list(self, request: web.Request) -> web.Response:
        _, refused = await self._record(request)
        if refused is not None:
            return refused
        numbers = set(filter(None, request.query.get("tracking_numbers", "").split(",")))
        slugs = set(filter(None, request.query.get("slug", "").split(",")))
        found = [
            t
            for t in self.trackings.values()
            if (not numbers or t["tracking_number"] in numbers)
            and (not slugs or t["slug"] in slugs)
        ]
        return ok(
            {"pagination": {"total": len(found), "page": 1, "limit": 100}, "trackings": found}
        )

    async def _get(self, request: web.Request) -> web.Response:
        _, refused = await self._record(request)
        if refused is not None:
            return refused
        tracking = self.trackings.get(request.match_info["id"])
        if tracking is None:
            return refusal(404, 4004, "Tracking does not exist.", "NotFound")
        return ok(tracking)

    async def _delete(self, request: web.Request) -> web.Response:
        _, refused = await self._record(request)
        if refused is not None:
            return refused
        tracking = self.trackings.pop(request.match_info["id"], None)
        if tracking is None:
            return refusal(404, 4004, "Tracking does not exist.", "NotFound")
        return ok(tracking)
