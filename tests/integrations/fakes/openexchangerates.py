"""A fake Open Exchange Rates API (tests only): ``GET /api/latest.json?app_id=KEY``.

Answers as openexchangerates.org documents: ``{disclaimer, license, timestamp, base: "USD",
rates}`` with numbers (not strings), and errors as ``{"error": true, "status", "message",
"description"}``: 401 ``missing_app_id`` / ``invalid_app_id``, 429 ``not_allowed`` when the
``quota`` of requests is spent. ``payload``, when set, is sent instead of the answer.
``calls`` records each request's query. ``plan`` (see server.py) takes a step per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import web

from tests.integrations.fakes.server import FakeServer, answer

APP_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
#: Part of the real answer of 2025-05-30 09:00 UTC (the bundled snapshot's source).
TIMESTAMP = 1748595600
RATES: dict[str, Any] = {
    "USD": 1, "EUR": 0.883044, "RUB": 78.750379, "KZT": 508.664547, "VND": 26017.952827,
    "AED": 3.67293, "CNY": 7.1963, "JPY": 144.056, "MYR": 4.25,
}  # fmt: skip


def refusal(status: int, message: str, description: str) -> web.Response:
    body = {"error": True, "status": status, "message": message, "description": description}
    return web.json_response(body, status=status)


@dataclass
class FakeOpenExchangeRates(FakeServer[dict[str, str]]):
    retry_after = "1"

    app_id: str = APP_ID
    timestamp: int = TIMESTAMP
    rates: dict[str, Any] = field(default_factory=lambda: dict(RATES))
    quota: int | None = None  # requests left; None: no limit
    payload: Any = None  # when set, sent as the answer instead

    @property
    def api_base(self) -> str:
        return f"{self.base}/api"

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/api/latest.json", self._latest)

    async def _latest(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        self.calls.append(query)
        return await self.misbehave() or self._refused(query) or self._answer()

    def _refused(self, query: dict[str, str]) -> web.Response | None:
        if "app_id" not in query:
            return refusal(401, "missing_app_id", "No App ID provided.")
        if query["app_id"] != self.app_id:
            return refusal(401, "invalid_app_id", "Invalid App ID provided.")
        if self.quota is not None:
            if self.quota <= 0:
                return refusal(429, "not_allowed", "Monthly request limit reached.")
            self.quota -= 1
        return None

    def _answer(self) -> web.Response:
        if self.payload is not None:
            return answer(self.payload)
        rates = {k: float(v) if isinstance(v, Decimal) else v for k, v in self.rates.items()}
        return answer({
            "disclaimer": "Usage subject to terms: https://openexchangerates.org/terms",
            "license": "https://openexchangerates.org/license",
            "timestamp": self.timestamp,
            "base": "USD",
            "rates": rates,
        })  # fmt: skip
