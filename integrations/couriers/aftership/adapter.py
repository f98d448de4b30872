"""AfterShip Tracking API, version 2025-07 (one constant: API_VERSION), and its webhooks.

    POST   {base}/tracking/2025-07/trackings        {"tracking_number", "slug"?}   register
    GET    {base}/tracking/2025-07/trackings?tracking_numbers=N[&slug=S]          fetch
    DELETE {base}/tracking/2025-07/trackings/{id}   (the id found by the GET)      stop

Header ``as-api-key``. Answers are ``{"meta": {"code", "message", "type"}, "data": {...}}``,
the list's ``data`` being ``{"trackings": [...]}`` (full tracking objects, checkpoints
included). Errors carry the reason in ``meta.code`` (CODES below); 4003 "tracking already
exists" is success for register, 4004 "does not exist" for stop, and stopping a number not
tracked at all is success too.

Webhooks: ``{"ts", "event": "tracking_update", "event_id", "msg": {tracking}}`` signed in the
header ``aftership-hmac-sha256`` = base64(HMAC-SHA256(AFTERSHIP_WEBHOOK_SECRET, raw body)).
Without that secret this instance takes no webhooks (``push`` is False) and refuses any.
The API key and the secret never go into an error or a log line.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

import integrations.couriers.aftership.parse as parse
from integrations.base import Manifest
from integrations.couriers.base import CourierBase, CourierManifest, text
from integrations.couriers.detect import carrier as known_carrier
from integrations.errors import (
    AuthFailed,
    BadRequest,
    ErrorTable,
    NotFound,
    RateLimited,
    ServerError,
    from_status,
)
from integrations.http import HttpClient, Response
from integrations.types import TrackingUpdate

NAME = parse.NAME
API_VERSION = "2025-07"
ALREADY_EXISTS = 4003
DOES_NOT_EXIST = 4004
T = TypeVar("T")

#: meta.code values AfterShip documents, onto the shared error tree (others: by HTTP status).
CODES: ErrorTable = {
    "4001": BadRequest,  # invalid JSON
    "4004": NotFound,  # tracking does not exist
    "4005": BadRequest,  # tracking number invalid
    "4007": BadRequest,  # tracking_number required
    "4008": BadRequest,  # value invalid
    "4010": BadRequest,  # slug invalid
    "4011": BadRequest,  # missing or invalid required field
    "4012": BadRequest,  # the courier cannot be detected
    "4017": BadRequest,  # tracking number format invalid
    "401": AuthFailed,  # invalid API key
    "403": AuthFailed,  # request not allowed
    "404": NotFound,
    "429": RateLimited,
    "500": ServerError,
    "502": ServerError,
    "503": ServerError,
    "504": ServerError,
}


class AfterShip(CourierBase):
    manifest: ClassVar[Manifest] = CourierManifest(
        name=NAME,
        title="AfterShip",
        credentials=("AFTERSHIP_API_KEY",),
        optional=("AFTERSHIP_WEBHOOK_SECRET", "AFTERSHIP_API_BASE"),
        api_base="https://api.aftership.com",
    )
    webhook_header: ClassVar[str] = "aftership-hmac-sha256"

    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        super().__init__(env, http)
        self.key = env["AFTERSHIP_API_KEY"]
        self.secret = env.get("AFTERSHIP_WEBHOOK_SECRET") or None
        self.url = f"{self.api_base}/tracking/{API_VERSION}/trackings"

    @property
    def push(self) -> bool:
        return self.secret is not None

    @staticmethod
    def slug(carrier: str | None) -> str | None:
        """AfterShip's slug for a detect.py carrier code (None: AfterShip detects it), or
        `carrier` as a slug itself."""
        if not carrier:
            return None
        known = known_carrier(carrier)
        return known.aftership_slug if known is not None else carrier.strip().lower()

    async def register(self, number: str, carrier: str | None) -> None:
        body = {"tracking_number": number}
        slug = self.slug(carrier)
        if slug:
            body["slug"] = slug
        await self._call("POST", self.url, _ignore, ok=(ALREADY_EXISTS,), json=body)

    async def fetch(self, number: str, carrier: str | None) -> TrackingUpdate:
        def found(data: dict[str, Any]) -> TrackingUpdate:
            tracking = _pick(data, number, self.slug(carrier))
            if tracking is None:
                raise NotFound(f"{number} is not tracked", provider=NAME)
            try:
                return parse.update(tracking)
            except parse.Malformed as exc:
                raise ServerError(f"unexpected answer: {exc}", provider=NAME) from None

        return await self._call("GET", self.url, found, params=self._query(number, carrier))

    async def stop(self, number: str, carrier: str | None) -> None:
        def tracking_id(data: dict[str, Any]) -> str | None:
            tracking = _pick(data, number, self.slug(carrier))
            return None if tracking is None else text(tracking.get("id")) or None

        found = await self._call("GET", self.url, tracking_id, params=self._query(number, carrier))
        if found is not None:  # a number not tracked is stopped already
            url = f"{self.url}/{found}"
            await self._call("DELETE", url, _ignore, ok=(DOES_NOT_EXIST,))

    def signature(self, raw_body: bytes) -> str | None:
        if self.secret is None:
            return None
        digest = hmac.new(self.secret.encode(), raw_body, hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def webhook_update(self, body: dict[str, Any]) -> TrackingUpdate:
        msg = body.get("msg")
        if not isinstance(msg, dict):
            raise BadRequest("signed body has no msg tracking", provider=NAME, code="not_event")
        try:
            return parse.update(msg, delivery_id=text(body.get("event_id")) or None, raw=body)
        except parse.Malformed as exc:
            raise BadRequest(str(exc), provider=NAME, code="not_event") from None

    def _query(self, number: str, carrier: str | None) -> dict[str, str]:
        slug = self.slug(carrier)
        return {"tracking_numbers": number} | ({"slug": slug} if slug else {})

    async def _call(
        self,
        method: str,
        url: str,
        unwrap: Callable[[dict[str, Any]], T],
        *,
        ok: tuple[int, ...] = (),
        **kwargs: Any,
    ) -> T:
        """One API call; `unwrap` reads `data` inside the retry loop; a refusal whose meta.code
        is in `ok` gives `unwrap({})`."""

        def read(response: Response) -> T:
            return unwrap(_data(response, ok))

        headers = {"as-api-key": self.key, "Content-Type": "application/json"}
        return await self.http.call(
            NAME, method, url, parse=read, check=False, headers=headers, **kwargs
        )


def _ignore(data: dict[str, Any]) -> None:
    return None


def _data(response: Response, ok: tuple[int, ...]) -> dict[str, Any]:
    """`data` of an answer; its refusal raised, unless meta.code is in `ok` (then {})."""
    if response.status >= 400 and not response.body.lstrip().startswith(b"{"):
        raise from_status(response.status, f"HTTP {response.status}", provider=NAME)
    body = response.json(NAME)
    meta = body.get("meta") if isinstance(body, dict) else None
    if not isinstance(meta, dict) or not isinstance(meta.get("code"), int):
        raise ServerError("unexpected answer: no meta.code", provider=NAME, raw=body)
    code = meta["code"]
    if response.status < 300 and code < 300:
        data = body.get("data")
        if not isinstance(data, dict):
            raise ServerError("unexpected answer: data is not an object", provider=NAME)
        return data
    if code in ok:
        return {}
    message = text(meta.get("message")) or "refused"
    cls = CODES.get(str(code))
    if cls is None:
        raise from_status(response.status, message, provider=NAME, raw=meta)
    raise cls(message, provider=NAME, code=str(code), raw=meta)


def _pick(data: dict[str, Any], number: str, slug: str | None) -> dict[str, Any] | None:
    """The tracking of `number` (and `slug`, when given) in a list answer."""
    trackings = data.get("trackings")
    if not isinstance(trackings, list):
        raise ServerError("unexpected answer: no trackings list", provider=NAME)
    for tracking in trackings:
        if not isinstance(tracking, dict):
            continue
        same = text(tracking.get("tracking_number")).upper() == number.upper()
        if same and (slug is None or text(tracking.get("slug")) == slug):
            return tracking
    return None
