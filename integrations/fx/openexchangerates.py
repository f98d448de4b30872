"""Open Exchange Rates (latest.json): ~170 currencies, with an app id (OPENEXCHANGERATES_APP_ID).

    GET {base}/latest.json?app_id=KEY
    {"disclaimer": ..., "license": ..., "timestamp": 1748595600, "base": "USD",
     "rates": {"AED": 3.67293, "EUR": 0.883044, "RUB": 78.750379, ...}}

Units of each currency for one unit of `base` (USD on the free plan) at `timestamp` (Unix
seconds). Turned into units per euro through the answer's own EUR rate: X / EUR. The day is the
timestamp's UTC date. Errors come as {"error": true, "status": 401, "message":
"invalid_app_id", "description": ...}; the message codes are mapped below. The app id is a
secret: it goes in the query string as the API wants, and never into an error or a log line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from integrations.errors import (
    AuthFailed,
    BadRequest,
    ErrorTable,
    NotConfigured,
    NotFound,
    RateLimited,
    ServerError,
    from_code,
)
from integrations.fx import Rates, decimal, is_code, ratio
from integrations.http import HttpClient, Response

NAME = "openexchangerates"
DEFAULT_BASE = "https://openexchangerates.org/api"
KEY = "OPENEXCHANGERATES_APP_ID"

#: The error `message` codes Open Exchange Rates documents, onto the shared error tree.
CODES: ErrorTable = {
    "missing_app_id": AuthFailed,
    "invalid_app_id": AuthFailed,
    "app_id_inactive": AuthFailed,
    "access_restricted": AuthFailed,
    "not_allowed": RateLimited,  # over the plan's monthly requests
    "invalid_base": BadRequest,
    "not_found": NotFound,
}


class OpenExchangeRates:
    """NotConfigured at once without an app id: the provider is used only when one is set."""

    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        key = env.get(KEY, "").strip()
        if not key:
            raise NotConfigured(NAME, [KEY])
        self.key = key
        self.base = (env.get("OPENEXCHANGERATES_API_BASE") or DEFAULT_BASE).rstrip("/")
        self.http = http

    async def latest(self) -> Rates:
        url = f"{self.base}/latest.json"
        return await self.http.call(
            NAME, "GET", url, parse=parse, check=False, params={"app_id": self.key}
        )


def parse(response: Response) -> Rates:
    try:  # decimals as written: 0.883044 stays 0.883044, not the nearest binary float
        body = json.loads(response.body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        snippet = response.body[:80].decode("utf-8", errors="replace")
        raise ServerError(f"answer is not JSON: {snippet!r}", provider=NAME) from None
    if not isinstance(body, dict):
        raise ServerError("the answer is not a JSON object", provider=NAME)
    if body.get("error") or response.status >= 400:
        raise _refusal(body, response.status)
    day = _day(body.get("timestamp"))
    rates = body.get("rates")
    if not isinstance(rates, dict):
        raise ServerError("the answer has no rates", provider=NAME)
    per_base = _per_base(rates, str(body.get("base") or "USD"))
    eur = per_base.get("EUR")
    if eur is None:
        raise ServerError("the answer has no EUR rate to convert with", provider=NAME)
    per_euro = {code: ratio(value, eur) for code, value in per_base.items()}
    per_euro["EUR"] = Decimal(1)
    return Rates(day, per_euro, NAME)


def _refusal(body: dict[str, Any], status: int) -> Exception:
    code = str(body.get("message") or status)
    description = str(body.get("description") or "refused")[:200]
    default = ServerError if status >= 500 else BadRequest
    return from_code(CODES, code, description, provider=NAME, raw=body, default=default)


def _day(timestamp: object) -> date:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | Decimal):
        raise ServerError(f"bad rates timestamp {timestamp!r}", provider=NAME)
    try:
        return datetime.fromtimestamp(int(timestamp), UTC).date()
    except (OverflowError, OSError, ValueError):
        raise ServerError(f"bad rates timestamp {timestamp!r}", provider=NAME) from None


def _per_base(rates: dict[str, Any], base: str) -> dict[str, Decimal]:
    """Units of each currency per unit of `base` (the base itself 1); bad entries skipped."""
    per_base: dict[str, Decimal] = {}
    for code, value in rates.items():
        if isinstance(code, str) and is_code(code) and not isinstance(value, bool):
            amount = decimal(value) if isinstance(value, int | Decimal) else None
            if amount is not None:
                per_base[code] = amount
    if is_code(base):
        per_base.setdefault(base, Decimal(1))
    return per_base
