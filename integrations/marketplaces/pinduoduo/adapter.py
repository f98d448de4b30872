"""Pinduoduo adapter over the open platform gateway (gw-api.pinduoduo.com/api/router).

- search: ``pdd.ddk.goods.search`` (keyword, page, page_size; PINDUODUO_PID when set).
- item: ``pdd.ddk.goods.detail``. The external id may be a ``goods_sign`` (what the API wants
  since goods_id was retired) or a numeric ``goods_id`` (what yangkeduo.com links carry): a
  numeric id is sent as the legacy ``goods_id_list=[id]``, which PDD documents as retired and
  may refuse (then its error maps through codes.py). No goods -> NotFound.
- URLs: mobile.yangkeduo.com goods/goods2 pages, yangkeduo.com and pinduoduo.com goods pages.

Requests are form POSTs through the signed gateway (gateway.py) with ``type``, ``client_id``,
``timestamp`` (unix s), ``data_type`` JSON and the business parameters (lists as JSON text),
signed as Taobao's md5 (signing.py).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import integrations.marketplaces.pinduoduo.codes as codes
import integrations.marketplaces.pinduoduo.parse as parse
from integrations.base import Capability, Manifest
from integrations.errors import BadRequest, NotFound, ServerError
from integrations.http import HttpClient, Response
from integrations.marketplaces.gateway import SignedGateway
from integrations.marketplaces.signing import SIGN, md5_wrapped
from integrations.types import Product

NAME = "pinduoduo"
SEARCH = "pdd.ddk.goods.search"
DETAIL = "pdd.ddk.goods.detail"
# Each method's answer node and the list of goods in it.
NODES = {SEARCH: ("goods_search_response", "goods_list"),
         DETAIL: ("goods_detail_response", "goods_details")}  # fmt: skip


class Adapter(SignedGateway):
    manifest: ClassVar[Manifest] = Manifest(
        name=NAME,
        title="Pinduoduo",
        credentials=("PINDUODUO_CLIENT_ID", "PINDUODUO_CLIENT_SECRET"),
        capabilities=frozenset({Capability.SEARCH, Capability.ITEM, Capability.URLS}),
        optional=("PINDUODUO_PID",),
        api_base="https://gw-api.pinduoduo.com/api/router",
    )
    # Anchored, host followed by "/", goods_id anywhere in the query as a whole name.
    url_patterns: ClassVar[tuple[re.Pattern[str], ...]] = (
        re.compile(
            r"^(?:https?://)?(?:(?:mobile|www)\.)?(?:yangkeduo|pinduoduo)\.com"
            r"/goods2?\.html\?(?:[^#\s]*&)?goods_id=(?P<id>\d+)",
            re.IGNORECASE,
        ),
    )

    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        super().__init__(env, http)
        self.clock: Callable[[], float] = time.time

    async def search(self, query: str, *, page: int = 1, page_size: int = 20) -> list[Product]:
        business = {"keyword": query, "page": str(page), "page_size": str(page_size)}
        entries = await self.call(SEARCH, business)
        return parse.products(entries)

    async def item(self, external_id: str) -> Product:
        goods = external_id.strip()
        if not goods:
            raise BadRequest("empty Pinduoduo goods id", provider=NAME)
        business = {"goods_id_list": json.dumps([int(goods)])} if goods.isdigit() else {}
        entries = await self.call(DETAIL, business or {"goods_sign": goods})
        if not entries:
            raise NotFound(f"no goods {goods}", provider=NAME)
        return parse.product(entries[0])

    def system_params(self, method: str) -> dict[str, str]:
        return {
            "type": method,
            "client_id": self.env["PINDUODUO_CLIENT_ID"],
            "timestamp": str(int(self.clock())),
            "data_type": "JSON",
            "pid": self.env.get("PINDUODUO_PID", ""),
        }

    def sign(self, method: str, params: dict[str, str]) -> dict[str, str]:
        return params | {SIGN: md5_wrapped(params, self.env["PINDUODUO_CLIENT_SECRET"])}

    def unwrap(self, method: str, response: Response) -> list[dict[str, Any]]:
        """The method's goods list; the error its envelope names raised."""
        node_key, list_key = NODES[method]
        body = response.json(NAME)
        if isinstance(body, dict) and "error_response" in body:
            raise codes.error_for(body["error_response"])
        node = body.get(node_key) if isinstance(body, dict) else None
        if not isinstance(node, dict):
            raise ServerError(f"unexpected answer: no {node_key}", provider=NAME, raw=body)
        entries = node.get(list_key) or []
        if not isinstance(entries, list):
            raise ServerError(f"unexpected answer: {list_key} is not a list", provider=NAME)
        return [entry for entry in entries if isinstance(entry, dict)]
