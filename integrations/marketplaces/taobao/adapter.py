"""Taobao / Tmall adapter over the Taobao Open Platform gateway (router/rest).

- search: ``taobao.tbk.dg.material.optional`` (物料搜索; needs TAOBAO_ADZONE_ID, the
  affiliate ad zone). taobao.tbk.item.search is the older, retired tbk search.
- item: ``taobao.tbk.item.info.get`` with ``num_iids`` (no results -> NotFound).
- URLs: Taobao, Tmall, Tmall Global and mobile item links; ``m.tb.cn`` short links are
  expanded with one GET (Location header, or ``var url = '...'`` in the returned page).

Requests are form POSTs through the signed gateway (gateway.py), signed md5 or hmac-sha256
(TAOBAO_SIGN_METHOD; signing.py), with the timestamp in China time. ``error_response`` bodies
map through codes.py; an answer without the method's ``*_response`` node is ServerError
(retried like garbage).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import integrations.marketplaces.taobao.codes as codes
import integrations.marketplaces.taobao.parse as parse
from integrations.base import Capability, Manifest
from integrations.errors import BadRequest, NotConfigured, NotFound, ServerError
from integrations.http import HttpClient, Response
from integrations.marketplaces.gateway import SignedGateway
from integrations.marketplaces.signing import SIGN, hmac_sha256, md5_wrapped
from integrations.types import Product

NAME = "taobao"
SEARCH_METHOD = "taobao.tbk.dg.material.optional"
ITEM_METHOD = "taobao.tbk.item.info.get"
SHORT_LINK_ORIGIN = "https://m.tb.cn"
_QUERY_ID = r"\?(?:[^#\s]*&)?id=(?P<id>\d+)"  # "id" anywhere in the query, as a whole name
_JS_URL = re.compile(r"""var\s+url\s*=\s*['"]([^'"]+)['"]""")
SIGN_METHODS = {"md5": md5_wrapped, "hmac-sha256": hmac_sha256}


def _link(host_and_path: str) -> re.Pattern[str]:
    # Anchored at the start and followed by "/", so item.taobao.com.evil.example and links
    # inside another site's query string do not match.
    return re.compile(rf"^(?:https?://)?{host_and_path}", re.IGNORECASE)


class Adapter(SignedGateway):
    manifest: ClassVar[Manifest] = Manifest(
        name=NAME,
        title="Taobao / Tmall",
        credentials=("TAOBAO_APP_KEY", "TAOBAO_APP_SECRET"),
        capabilities=frozenset({Capability.SEARCH, Capability.ITEM, Capability.URLS}),
        optional=(
            "TAOBAO_ADZONE_ID",
            "TAOBAO_SIGN_METHOD",
            "TAOBAO_SESSION",
            "TAOBAO_SHORT_LINK_BASE",
        ),
        api_base="https://eco.taobao.com/router/rest",
    )
    url_patterns: ClassVar[tuple[re.Pattern[str], ...]] = (
        _link(rf"(?:item\.taobao|detail\.tmall|detail\.m\.tmall)\.com/item\.htm{_QUERY_ID}"),
        _link(rf"detail\.tmall\.hk/(?:hk/)?item\.htm{_QUERY_ID}"),
        _link(r"world\.taobao\.com/item/(?P<id>\d+)\.htm"),
        _link(rf"m\.intl\.taobao\.com/detail/detail\.html{_QUERY_ID}"),
        _link(rf"h5\.m\.taobao\.com/awp/core/detail\.htm{_QUERY_ID}"),
        _link(r"a\.m\.taobao\.com/i(?P<id>\d+)\.htm"),
    )
    short_link_hosts: ClassVar[frozenset[str]] = frozenset({"m.tb.cn"})

    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        super().__init__(env, http)
        self.sign_method = env.get("TAOBAO_SIGN_METHOD") or "md5"
        if self.sign_method not in SIGN_METHODS:
            raise BadRequest(
                f"TAOBAO_SIGN_METHOD must be one of {', '.join(SIGN_METHODS)}", provider=NAME
            )
        self.now: Callable[[], datetime] = lambda: datetime.now(parse.CHINA)

    async def search(self, query: str, *, page: int = 1, page_size: int = 20) -> list[Product]:
        adzone = self.env.get("TAOBAO_ADZONE_ID", "")
        if not adzone:
            raise NotConfigured(self.manifest.name, ["TAOBAO_ADZONE_ID"])
        business = {"q": query, "adzone_id": adzone, "page_no": str(page)}
        node = await self.call(SEARCH_METHOD, business | {"page_size": str(page_size)})
        return parse.products(parse.items(node, "result_list", "map_data"))

    async def item(self, external_id: str) -> Product:
        item_id = external_id.strip()
        if not item_id or "," in item_id:
            raise BadRequest(f"not a Taobao item id: {external_id!r}", provider=NAME)
        node = await self.call(ITEM_METHOD, {"num_iids": item_id})
        entries = parse.items(node, "results", "n_tbk_item")
        if not entries:
            raise NotFound(f"no item {item_id}", provider=NAME, raw=node)
        return parse.product(entries[0])

    async def expand_short_link(self, url: str) -> str | None:
        """The item id behind an m.tb.cn link (None when the page names no item)."""
        target = self._short_link_target(url)
        return await self.http.call(
            NAME, "GET", target, parse=self._item_behind, allow_redirects=False
        )

    def _short_link_target(self, url: str) -> str:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        if (parts.hostname or "").lower() not in self.short_link_hosts:
            raise BadRequest(f"not a Taobao short link: {url!r}", provider=NAME)
        origin = (self.env.get("TAOBAO_SHORT_LINK_BASE") or SHORT_LINK_ORIGIN).rstrip("/")
        return f"{origin}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")

    @classmethod
    def _item_behind(cls, response: Response) -> str | None:
        location = [v for k, v in response.headers.items() if k.lower() == "location"]
        for candidate in location + _JS_URL.findall(response.text()):
            item_id = cls.parse_url(html.unescape(candidate.strip()))
            if item_id is not None:
                return item_id
        return None

    def system_params(self, method: str) -> dict[str, str]:
        return {
            "method": method,
            "app_key": self.env["TAOBAO_APP_KEY"],
            "timestamp": self.now().astimezone(parse.CHINA).strftime("%Y-%m-%d %H:%M:%S"),
            "format": "json",
            "v": "2.0",
            "sign_method": self.sign_method,
            "session": self.env.get("TAOBAO_SESSION", ""),
        }

    def sign(self, method: str, params: dict[str, str]) -> dict[str, str]:
        signature = SIGN_METHODS[self.sign_method](params, self.env["TAOBAO_APP_SECRET"])
        return params | {SIGN: signature}

    def unwrap(self, method: str, response: Response) -> dict[str, Any]:
        body = response.json(NAME)
        if isinstance(body, dict) and "error_response" in body:
            raise codes.error_for(body["error_response"])
        key = method.removeprefix("taobao.").replace(".", "_") + "_response"
        node = body.get(key) if isinstance(body, dict) else None
        if not isinstance(node, dict):
            raise ServerError(f"unexpected answer: no {key}", provider=NAME, raw=body)
        return node
