"""17TRACK Tracking API v2.2, and its webhooks.

    POST {base}/track/v2.2/register      [{"number", "carrier"?}]     start tracking
    POST {base}/track/v2.2/gettrackinfo  [{"number", "carrier"?}]     status and events
    POST {base}/track/v2.2/stoptrack     [{"number", "carrier"?}]     stop tracking

Header ``17token`` (SEVENTEENTRACK_API_KEY); the body is a JSON array of at most 40 numbers (one
here). Answers: ``{"code": 0, "data": {"accepted": [...], "rejected": [{"number", "error":
{"code", "message"}}]}}``; a refused request has a non-zero ``code`` and ``data.errors``.
Error codes map through CODES; per number, -18019901 "already registered" is success for
register, -18019902 "not registered" is success for stop (NotFound for fetch) and -18019909
"no tracking information yet" is an update with no status. ``carrier`` is 17TRACK's numeric
carrier key; a detect.py carrier code is translated, and without one 17TRACK detects it.

Webhooks: ``{"event": "TRACKING_UPDATED" | "TRACKING_STOPPED", "data": {"number", "carrier",
"tag", "track_info"}}`` with header ``sign`` = hex SHA-256 of raw body + "/" + API key: the key
signs, so every instance can take them (``push`` is True). The key never goes into an error or
a log line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

import integrations.couriers.seventeentrack.parse as parse
from integrations.base import Manifest
from integrations.couriers.base import CourierBase, CourierManifest, text
from integrations.couriers.detect import carrier as known_carrier
from integrations.errors import (
    AuthFailed,
    BadRequest,
    ErrorTable,
    NotFound,
    Rejected,
    ServerError,
    from_code,
    from_status,
)
from integrations.http import HttpClient, Response
from integrations.types import TrackingUpdate

NAME = parse.NAME
API_VERSION = "v2.2"
ALREADY_REGISTERED = -18019901
NOT_REGISTERED = -18019902
NO_INFO_YET = -18019909
EVENTS = {"TRACKING_UPDATED": False, "TRACKING_STOPPED": True}  # event -> stopped
T = TypeVar("T")

#: 17TRACK's documented error codes, onto the shared error tree.
CODES: ErrorTable = {
    "-18010001": AuthFailed,  # IP address not in the whitelist
    "-18010002": AuthFailed,  # invalid access key
    "-18010003": ServerError,  # internal service error, retry later
    "-18010004": AuthFailed,  # account disabled
    "-18010005": AuthFailed,  # unauthorized access
    "-18010010": BadRequest,  # invalid data
    "-18010011": BadRequest,  # invalid field value
    "-18010012": BadRequest,  # invalid data format
    "-18010013": BadRequest,  # invalid submitted data
    "-18010014": BadRequest,  # more than 40 numbers in one request
    "-18010015": BadRequest,  # invalid field value
    "-18019902": NotFound,  # number not registered
    "-18019903": BadRequest,  # carrier cannot be detected from the number
    "-18019907": Rejected,  # daily tracking limit exceeded
    "-18019908": Rejected,  # quota exhausted
    "-18019910": BadRequest,  # carrier code incorrect
}


class SeventeenTrack(CourierBase):
    manifest: ClassVar[Manifest] = CourierManifest(
        name=NAME,
        title="17TRACK",
        credentials=("SEVENTEENTRACK_API_KEY",),
        optional=("SEVENTEENTRACK_API_BASE",),
        api_base="https://api.17track.net",
        prefix="SEVENTEENTRACK",
    )
    webhook_header: ClassVar[str] = "sign"

    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        super().__init__(env, http)
        self.key = env["SEVENTEENTRACK_API_KEY"]

    @property
    def push(self) -> bool:
        return True

    @staticmethod
    def carrier_code(carrier: str | None) -> int | None:
        """17TRACK's carrier key for a numeric key or a detect.py carrier code (None: 17TRACK
        detects it); BadRequest for anything else."""
        if not carrier:
            return None
        if carrier.strip().isdigit():
            return int(carrier)
        known = known_carrier(carrier)
        if known is None:
            raise BadRequest(f"unknown carrier {carrier!r}", provider=NAME, code="carrier")
        return known.seventeentrack_code

    async def register(self, number: str, carrier: str | None) -> None:
        await self._call("register", number, carrier, _ignore, ok=(ALREADY_REGISTERED,))

    async def fetch(self, number: str, carrier: str | None) -> TrackingUpdate:
        def found(entry: dict[str, Any]) -> TrackingUpdate:
            try:
                return parse.update(entry or {"number": number})  # {}: no information yet
            except parse.Malformed as exc:
                raise ServerError(f"unexpected answer: {exc}", provider=NAME) from None

        return await self._call("gettrackinfo", number, carrier, found, ok=(NO_INFO_YET,))

    async def stop(self, number: str, carrier: str | None) -> None:
        await self._call("stoptrack", number, carrier, _ignore, ok=(NOT_REGISTERED,))

    def signature(self, raw_body: bytes) -> str | None:
        return hashlib.sha256(raw_body + b"/" + self.key.encode()).hexdigest()

    def given_signature(self, value: str) -> str:
        return value.strip().lower()

    def webhook_update(self, body: dict[str, Any]) -> TrackingUpdate:
        event, data = text(body.get("event")), body.get("data")
        if event not in EVENTS or not isinstance(data, dict):
            raise BadRequest("signed body is not a 17TRACK event", provider=NAME, code="not_event")
        try:
            return parse.update(data, stopped=EVENTS[event], raw=body)
        except parse.Malformed as exc:
            raise BadRequest(str(exc), provider=NAME, code="not_event") from None

    async def _call(
        self,
        path: str,
        number: str,
        carrier: str | None,
        unwrap: Callable[[dict[str, Any]], T],
        *,
        ok: tuple[int, ...] = (),
    ) -> T:
        """One call for one number; `unwrap` reads its accepted entry inside the retry loop
        (a rejection whose code is in `ok` gives `unwrap({})`)."""
        item: dict[str, Any] = {"number": number}
        code = self.carrier_code(carrier)
        if code is not None:
            item["carrier"] = code

        def read(response: Response) -> T:
            return unwrap(_entry(response, number, ok))

        url = f"{self.api_base}/track/{API_VERSION}/{path}"
        headers = {"17token": self.key, "Content-Type": "application/json"}
        return await self.http.call(
            NAME, "POST", url, parse=read, check=False, headers=headers, json=[item]
        )


def _ignore(entry: dict[str, Any]) -> None:
    return None


def _entry(response: Response, number: str, ok: tuple[int, ...]) -> dict[str, Any]:
    """The accepted entry for `number`; its rejection raised, unless its code is in `ok`."""
    if response.status >= 400 and not response.body.lstrip().startswith(b"{"):
        raise from_status(response.status, f"HTTP {response.status}", provider=NAME)
    body = response.json(NAME)
    if not isinstance(body, dict) or not isinstance(body.get("code"), int):
        raise ServerError("unexpected answer: no code", provider=NAME, raw=body)
    data = body.get("data")
    if body["code"] != 0:
        error = _first_error(data) or {}
        code = error.get("code", body["code"])
        message = text(error.get("message")) or "refused"
        default = ServerError if response.status >= 500 else BadRequest
        raise from_code(CODES, code, message, provider=NAME, raw=body, default=default)
    if not isinstance(data, dict):
        raise ServerError("unexpected answer: data is not an object", provider=NAME)
    for entry in _list(data, "accepted"):
        if text(entry.get("number")).upper() == number.upper():
            return entry
    for entry in _list(data, "rejected"):
        if text(entry.get("number")).upper() == number.upper():
            refusal = entry.get("error")
            refusal = refusal if isinstance(refusal, dict) else {}
            if refusal.get("code") in ok:
                return {}
            message = text(refusal.get("message")) or "rejected"
            raise from_code(CODES, refusal.get("code"), message, provider=NAME, raw=entry)
    raise ServerError(f"unexpected answer: {number} neither accepted nor rejected", provider=NAME)


def _list(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = data.get(name) or []
    if not isinstance(items, list):
        raise ServerError(f"unexpected answer: data.{name} is not a list", provider=NAME)
    return [item for item in items if isinstance(item, dict)]


def _first_error(data: object) -> dict[str, Any] | None:
    errors = data.get("errors") if isinstance(data, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return errors[0]
    return None
