"""What every parcel tracking provider shares, and finding them by package.

Each integrations/couriers/<name>/ package exports ``Courier``, a thin subclass of
``CourierBase`` declaring its manifest and webhook header and implementing the calls:

- ``register(number, carrier)``: start tracking ("already tracked" is success);
- ``fetch(number, carrier)``: the current status and every scan, as a TrackingUpdate;
- ``stop(number, carrier)``: stop tracking (a number not tracked is success);
- ``verify(raw_body, headers)``: a webhook delivery as a TrackingUpdate. The signature is
  checked on the raw bytes first (constant-time compare); a missing or wrong one is Forged and
  nothing is parsed; a correctly signed body that is not the provider's format is BadRequest.

``carrier`` may be the provider's own carrier id (an AfterShip slug, a 17TRACK numeric code) or
a carrier code of couriers/detect.py ("china-post"), translated through the Carrier table.

Statuses map onto the one TrackingStatus taxonomy through tables (see each provider's
statuses.py); the provider's status and sub-status are kept beside it. A scan without an id of
its own gets ``checkpoint_key``: a digest of number, UTC time, statuses, place and text, so the
same scan told twice (by the API and again by a webhook) collapses.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, ClassVar

from integrations.base import Manifest
from integrations.errors import BadRequest, Forged, NotConfigured, NotFound
from integrations.http import HttpClient, header
from integrations.types import TrackingUpdate


@dataclass(frozen=True, slots=True)
class CourierManifest(Manifest):
    """A Manifest whose settings prefix may differ from its name ("17track" reads
    SEVENTEENTRACK_*: an environment variable cannot start with a digit)."""

    prefix: str = ""

    @property
    def env_prefix(self) -> str:
        return self.prefix or self.name.upper()


class CourierBase:
    """Configuration, the HTTP client and the webhook checks every tracking provider shares."""

    manifest: ClassVar[Manifest]
    webhook_header: ClassVar[str]

    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        missing = self.manifest.missing(env)
        if missing:
            raise NotConfigured(self.manifest.name, missing)
        self.env, self.http = env, http
        self.api_base = (
            env.get(f"{self.manifest.env_prefix}_API_BASE") or self.manifest.api_base
        ).rstrip("/")

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def push(self) -> bool:
        """Whether this instance can take webhook deliveries (it can check their signature)."""
        return False

    async def register(self, number: str, carrier: str | None) -> None:
        raise NotImplementedError

    async def fetch(self, number: str, carrier: str | None) -> TrackingUpdate:
        raise NotImplementedError

    async def stop(self, number: str, carrier: str | None) -> None:
        raise NotImplementedError

    def verify(self, raw_body: bytes, headers: Mapping[str, str]) -> TrackingUpdate:
        """The update a webhook delivery carries, once its signature checks out."""
        signature = header(headers, self.webhook_header)
        if not signature:
            raise self._forged(f"no {self.webhook_header} header")
        if not raw_body:
            raise self._forged("empty body")
        expected = self.signature(raw_body)
        if expected is None:
            raise self._forged("no webhook secret configured to check the signature with")
        if not hmac.compare_digest(expected.encode(), self.given_signature(signature).encode()):
            raise self._forged("signature does not match the body")
        try:
            body = json.loads(raw_body)
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            raise BadRequest("signed body is no JSON object", provider=self.name, code="not_json")
        return self.webhook_update(body)

    def signature(self, raw_body: bytes) -> str | None:
        """The signature the provider puts on `raw_body` (None: no secret to sign with)."""
        raise NotImplementedError

    def given_signature(self, value: str) -> str:
        """The header's signature as `signature` spells it (hex case, spaces)."""
        return value.strip()

    def webhook_update(self, body: dict[str, Any]) -> TrackingUpdate:
        """The update in a verified delivery; BadRequest when it is not one."""
        raise NotImplementedError

    def _forged(self, why: str) -> Forged:
        return Forged(why, provider=self.name, code="bad_signature")


def checkpoint_key(
    number: str,
    occurred_at: datetime,
    status: str,
    substatus: str,
    location: str,
    message: str,
) -> str:
    """A stable key for a scan without an id of its own (32 hex digits of SHA-256)."""
    moment = occurred_at.astimezone(UTC).isoformat()
    text = "\x1f".join((number, moment, status, substatus, location, message))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time as aware UTC; a time without offset is taken as UTC; else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def text(value: object) -> str:
    """A string field as text ("" for null, numbers as written)."""
    if value is None or isinstance(value, bool | dict | list):
        return ""
    return str(value).strip()


# --------------------------------------------------------------------------- registry


@cache
def couriers() -> dict[str, type[CourierBase]]:
    """Every tracking provider shipped, by name ("aftership", "17track")."""
    import integrations.couriers as package  # the package imports this module: import late

    found: dict[str, type[CourierBase]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        courier = getattr(module, "Courier", None)
        if courier is not None:
            found[courier.manifest.name] = courier
    return found


def courier_class(name: str) -> type[CourierBase]:
    try:
        return couriers()[name]
    except KeyError:
        raise NotFound(f"no tracking provider called {name!r}", provider=name) from None


def create(name: str, env: Mapping[str, str], http: HttpClient) -> CourierBase:
    """A provider configured from `env`; NotConfigured names the missing credentials."""
    return courier_class(name)(env, http)


def configured(env: Mapping[str, str]) -> list[str]:
    """The providers whose credentials `env` has, by name."""
    return [name for name, cls in couriers().items() if not cls.manifest.missing(env)]
