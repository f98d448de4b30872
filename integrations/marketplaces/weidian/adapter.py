"""Weidian (微店) through the vdian open API (api.vdian.com).

Token: ``GET <api_base>/token?grant_type=client_credential&appkey=&secret=`` answers
``{"status": {...}, "result": {"access_token", "expire_in"}}``. The token is kept in the adapter
until shortly before it expires; when an API call still answers "token expired" (codes.py), the
token is fetched again and the call repeated once.

Calls: ``POST <api_base>/api`` with form fields ``param`` (the method's arguments as JSON) and
``public`` (``{"method", "access_token", "version": "1.0", "format": "json"}`` as JSON).
Item detail is ``vdian.item.get`` with ``{"itemid": ...}``. A client_credential token belongs to
the app's own shop, so this reads items of the shop the app key was issued for.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from integrations.base import Capability, Manifest, MarketplaceBase
from integrations.errors import AuthFailed, BadRequest, ServerError
from integrations.http import HttpClient, Response
from integrations.marketplaces.weidian.codes import TOKEN_EXPIRED, error_class
from integrations.marketplaces.weidian.parse import parse_item
from integrations.types import Product

ITEM_METHOD = "vdian.item.get"
API_VERSION = "1.0"
DEFAULT_TOKEN_SECONDS = 3600.0  # when the answer has no expire_in
TOKEN_MARGIN = 60.0  # refresh this long before the announced expiry
MAX_TOKEN_SECONDS = 30 * 86400.0  # an expire_in beyond this is not believed


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires_at: float  # on the adapter's clock


class Weidian(MarketplaceBase):
    manifest: ClassVar[Manifest] = Manifest(
        name="weidian",
        title="Weidian (微店)",
        credentials=("WEIDIAN_APP_KEY", "WEIDIAN_APP_SECRET"),
        capabilities=frozenset({Capability.ITEM, Capability.URLS}),
        api_base="https://api.vdian.com",
    )
    # weidian.com or any subdomain (shop., m., shopNNN.v.), itemID in any letter case,
    # anywhere in the query. Anchored, so weidian.com.evil.example does not match.
    url_patterns: ClassVar[tuple[re.Pattern[str], ...]] = (
        re.compile(
            r"^(?:https?://)?(?:[\w-]+\.)*weidian\.com/item\.html\?(?:[^#\s]*&)?"
            r"itemid=(?P<id>\d{1,20})(?![\w])",
            re.I,
        ),
    )

    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        super().__init__(env, http)
        self.app_key = env.get("WEIDIAN_APP_KEY", "")
        self.app_secret = env.get("WEIDIAN_APP_SECRET", "")
        self.clock: Callable[[], float] = time.monotonic  # token expiry
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()

    async def item(self, external_id: str) -> Product:
        item_id = external_id.strip()
        if not item_id.isdigit():
            raise BadRequest(f"not a Weidian item id: {external_id!r}", provider=self.name)
        result = await self._api(ITEM_METHOD, {"itemid": item_id})
        return parse_item(result, item_id)

    @property
    def name(self) -> str:
        return self.manifest.name

    async def _api(self, method: str, param: Mapping[str, Any]) -> dict[str, Any]:
        """One API call; a token the server calls expired is replaced once."""
        token = await self._access_token()
        try:
            return await self._call(method, param, token)
        except AuthFailed as exc:
            if exc.code not in TOKEN_EXPIRED:
                raise
        token = await self._access_token(stale=token)
        return await self._call(method, param, token)

    async def _call(self, method: str, param: Mapping[str, Any], token: str) -> dict[str, Any]:
        public = {"method": method, "access_token": token, "version": API_VERSION, "format": "json"}
        form = {
            "param": json.dumps(param, ensure_ascii=False, separators=(",", ":")),
            "public": json.dumps(public, ensure_ascii=False, separators=(",", ":")),
        }
        url = f"{self.api_base}/api"
        return await self.http.call(self.name, "POST", url, parse=self._result, data=form)

    async def _access_token(self, *, stale: str | None = None) -> str:
        """The cached token, fetched when missing, expired or equal to `stale`."""
        async with self._token_lock:
            token = self._token
            if token and token.value != stale and self.clock() < token.expires_at:
                return token.value
            self._token = None
            params = {
                "grant_type": "client_credential",
                "appkey": self.app_key,
                "secret": self.app_secret,
            }
            url = f"{self.api_base}/token"
            self._token = await self.http.call(
                self.name, "GET", url, parse=self._token_answer, params=params
            )
            return self._token.value

    def _token_answer(self, response: Response) -> _Token:
        body = self._checked(response, token_call=True)
        result = body.get("result")
        if not isinstance(result, dict) or not result.get("access_token"):
            raise ServerError("token answer has no access_token", provider=self.name, raw=body)
        lifetime = _seconds(result.get("expire_in"))
        margin = min(TOKEN_MARGIN, lifetime / 10)
        return _Token(str(result["access_token"]), self.clock() + lifetime - margin)

    def _result(self, response: Response) -> dict[str, Any]:
        body = self._checked(response)
        result = body.get("result")
        if not isinstance(result, dict):
            raise ServerError("answer has no result object", provider=self.name, raw=body)
        return result

    def _checked(self, response: Response, *, token_call: bool = False) -> dict[str, Any]:
        """The body, or the error its status carries. A failed token request is always
        AuthFailed (wrong app key or secret), whatever its code."""
        body = response.json(self.name)
        status = body.get("status") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(status, dict):
            raise ServerError("answer has no status object", provider=self.name, raw=body)
        code = str(status.get("status_code", ""))
        if code == "0":
            return body
        reason = str(status.get("status_reason") or "request failed")
        cls = AuthFailed if token_call else error_class(code, reason)
        raise cls(reason, provider=self.name, code=code, raw=body)


def _seconds(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return DEFAULT_TOKEN_SECONDS
    return seconds if 0 < seconds <= MAX_TOKEN_SECONDS else DEFAULT_TOKEN_SECONDS
