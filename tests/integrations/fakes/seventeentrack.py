"""A fake 17TRACK Tracking API v2.2 (tests only), and its signed webhooks.

Serves ``POST /track/v2.2/register``, ``/gettrackinfo`` and ``/stoptrack``, each taking a JSON
array of at most 40 ``{number, carrier?}``. Header ``17token`` must be ``api_key``, else HTTP
401 with ``{"code": -18010002, "data": {"errors": [{"code": -18010002, "message": ...}]}}``.
Answers ``{"code": 0, "data": {"accepted": [...], "rejected": [{"number", "error": {"code",
"message"}}]}}``: register refuses a number registered already (-18019901), gettrackinfo and
stoptrack one never registered (-18019902). Numbers live in ``numbers``; ``advance(number,
sub_status, description, when)`` adds a carrier event (newest first, as 17TRACK lists them)
and makes it the latest status.

Webhooks are signed as 17TRACK signs them, with its own code (not the adapter's): header
``sign`` = hex SHA-256 of body + "/" + api_key. ``webhook(number, event)`` builds (body,
headers) without sending; ``push(url, number, event)`` POSTs them and returns the status.
``plan`` (see server.py) takes a step per API request. ``calls`` records (path, JSON body).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.integrations.fakes.server import FakeServer, answer

API_KEY = "A1B2C3D4E5F60718293A4B5C6D7E8F90"
PREFIX = "/track/v2.2"
DEFAULT_CARRIER = 3011  # China Post, what the fake "detects" without a carrier


def sign(body: bytes, key: str) -> str:
    """17TRACK's webhook signature, written again here on purpose."""
    return hashlib.sha256(body + b"/" + key.encode()).hexdigest()


def failure(status: int, code: int, message: str) -> web.Response:
    body = {"code": code, "data": {"errors": [{"code": code, "message": message}]}}
    return web.json_response(body, status=status)


def rejected(number: str, code: int, message: str) -> dict[str, Any]:
    return {"number": number, "error": {"code": code, "message": message}}


def event(sub_status: str, description: str, when: str, location: str = "") -> dict[str, Any]:
    """An event of track_info.tracking.providers[].events[] (``when``: ISO time with offset)."""
    return {
        "time_iso": when,
        "time_utc": None,
        "time_raw": {"date": when[:10], "time": when[11:19], "timezone": when[19:] or None},
        "description": description,
        "description_translation": None,
        "location": location or None,
        "stage": None,
        "sub_status": sub_status,
        "address": {"country": None, "state": None, "city": None, "street": None},
    }


@dataclass
class Registration:
    number: str
    carrier: int
    stopped: bool = False
    status: str = "NotFound"
    sub_status: str = "NotFound_Other"
    events: list[dict[str, Any]] = field(default_factory=list)

    def entry(self) -> dict[str, Any]:
        """The tracking entry of gettrackinfo and of webhooks."""
        latest = self.events[0] if self.events else None
        return {
            "number": self.number,
            "carrier": self.carrier,
            "param": None,
            "tag": "",
            "track_info": {
                "shipping_info": {"shipper_address": {}, "recipient_address": {}},
                "latest_status": {
                    "status": self.status,
                    "sub_status": self.sub_status,
                    "sub_status_descr": None,
                },
                "latest_event": latest,
                "time_metrics": {},
                "milestone": [],
                "misc_info": {},
                "tracking": {
                    "providers_hash": len(self.events),
                    "providers": [
                        {
                            "provider": {"key": self.carrier, "name": "China Post"},
                            "latest_sync_status": "Success",
                            "events_hash": len(self.events),
                            "events": self.events,
                        }
                    ]
                    if self.events
                    else [],
                },
            },
        }


@dataclass
class FakeSeventeenTrack(FakeServer[dict[str, Any]]):
    retry_after = "1"

    api_key: str = API_KEY
    numbers: dict[str, Registration] = field(default_factory=dict)

    @property
    def api_base(self) -> str:
        return self.base

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_post(f"{PREFIX}/register", self._register)
        router.add_post(f"{PREFIX}/gettrackinfo", self._gettrackinfo)
        router.add_post(f"{PREFIX}/stoptrack", self._stoptrack)

    # ----------------------------------------------------------------- the state

    def add(self, number: str, carrier: int = DEFAULT_CARRIER) -> Registration:
        self.numbers[number] = Registration(number, carrier)
        return self.numbers[number]

    def advance(
        self, number: str, sub_status: str, description: str, when: str, location: str = ""
    ) -> None:
        """A carrier scan: a new latest event, and the latest status becomes its status."""
        registration = self.numbers[number]
        registration.events.insert(0, event(sub_status, description, when, location))
        registration.status = sub_status.split("_", 1)[0]
        registration.sub_status = sub_status

    # ----------------------------------------------------------------- webhooks

    def webhook(
        self, number: str, event: str = "TRACKING_UPDATED", *, key: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The signed delivery 17TRACK would send for `number` now: (raw body, headers)."""
        payload = {"event": event, "data": self.numbers[number].entry()}
        body = json.dumps(payload, ensure_ascii=False).encode()
        return body, {"Content-Type": "application/json", "sign": sign(body, key or self.api_key)}

    async def push(self, url: str, number: str, event: str = "TRACKING_UPDATED", **kw: Any) -> int:
        """POSTs the signed delivery for `number` to `url`; the HTTP status it got."""
        body, headers = self.webhook(number, event, **kw)
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body, headers=headers) as response,
        ):
            return response.status

    # ----------------------------------------------------------------- the API

    async def _items(self, request: web.Request) -> list[dict[str, Any]] | web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        self.calls.append({"path": request.path, "json": body})
        misbehaviour = await self.misbehave()
        if misbehaviour is not None:
            return misbehaviour
        if request.headers.get("17token") != self.api_key:
            return failure(401, -18010002, "Invalid access key.")
        if not isinstance(body, list) or not all(isinstance(i, dict) for i in body):
            return failure(200, -18010012, "The format of data is invalid.")
        if len(body) > 40:
            return failure(200, -18010014, "The number of tracking numbers exceeds 40.")
        return body

    def _answer(self, accepted: list[Any], refused: list[Any]) -> web.Response:
        return answer({"code": 0, "data": {"accepted": accepted, "rejected": refused}})

    async def _register(self, request: web.Request) -> web.Response:
        items = await self._items(request)
        if isinstance(items, web.Response):
            return items
        accepted, refused = [], []
        for item in items:
            number = str(item.get("number", ""))
            known = self.numbers.get(number)
            if known is not None and not known.stopped:
                message = f"The tracking number '{number}' has been registered."
                refused.append(rejected(number, -18019901, message))
                continue
            registration = self.add(number, int(item.get("carrier") or DEFAULT_CARRIER))
            accepted.append({"number": number, "carrier": registration.carrier, "tag": ""})
        return self._answer(accepted, refused)

    async def _gettrackinfo(self, request: web.Request) -> web.Response:
        items = await self._items(request)
        if isinstance(items, web.Response):
            return items
        accepted, refused = [], []
        for item in items:
            number = str(item.get("number", ""))
            known = self.numbers.get(number)
            if known is None:
                message = f"The tracking number '{number}' does not register."
                refused.append(rejected(number, -18019902, message))
            else:
                accepted.append(known.entry())
        return self._answer(accepted, refused)

    async def _stoptrack(self, request: web.Request) -> web.Response:
        items = await self._items(request)
        if isinstance(items, web.Response):
            return items
        accepted, refused = [], []
        for item in items:
            number = str(item.get("number", ""))
            known = self.numbers.get(number)
            if known is None:
                message = f"The tracking number '{number}' does not register."
                refused.append(rejected(number, -18019902, message))
            else:
                known.stopped = True
                accepted.append({"number": number, "carrier": known.carrier})
        return self._answer(accepted, refused)
