"""JD.com adapter over the JD open platform gateway (api.jd.com/routerjson), JD Union APIs.

Both capabilities use ``jd.union.open.goods.query`` (查询商品及优惠券信息), whose docs allow
querying by SKU id or keyword and advise against mixing the two:

- search: ``goodsReqDTO = {keyword, pageIndex, pageSize, sceneId: 1}``.
- item: ``goodsReqDTO = {skuIds: [sku], sceneId: 1}`` (numeric SKU ids only; no goods ->
  NotFound).
- URLs: item.jd.com, item.m.jd.com/product, item.jd.hk and npcitem.jd.hk SKU pages.

System parameters (method, app_key, timestamp "yyyy-MM-dd HH:mm:ss" China time, format json,
v 1.0, sign_method md5) and ``360buy_param_json`` (the business parameters as JSON) are POSTed
as a form through the signed gateway (gateway.py), signed as Taobao's md5 (signing.py).
Gateway ``error_response`` codes and the queryResult ``code`` (a JSON string inside the answer;
200 = success) both map through codes.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

import integrations.marketplaces.jd.codes as codes
import integrations.marketplaces.jd.parse as parse
from integrations.base import Capability, Manifest
from integrations.errors import BadRequest, NotFound, ServerError, from_code
from integrations.http import HttpClient, Response
from integrations.marketplaces.gateway import SignedGateway
from integrations.marketplaces.signing import SIGN, md5_wrapped
from integrations.types import Product

NAME = "jd"
METHOD = "jd.union.open.goods.query"
# The gateway spells the node "responce"; the correct spelling is accepted too.
NODES = ("jd_union_open_goods_query_responce", "jd_union_open_goods_query_response")
CHINA = timezone(timedelta(hours=8))
SCENE_ID = 1  # scene 1 accepts SKU ids (scene 2 wants the union's encrypted item ids)


class Adapter(SignedGateway):
    manifest: ClassVar[Manifest] = Manifest(
        name=NAME,
        title="JD.com",
        credentials=("JD_APP_KEY", "JD_APP_SECRET"),
        capabilities=frozenset({Capability.SEARCH, Capability.ITEM, Capability.URLS}),
        api_base="https://api.jd.com/routerjson",
    )
    # Anchored, host followed by "/", the SKU id as the whole file name.
    url_patterns: ClassVar[tuple[re.Pattern[str], ...]] = (
        re.compile(
            r"^(?:https?://)?(?:item\.jd\.com|item\.jd\.hk|npcitem\.jd\.hk|item\.m\.jd\.com"
            r"/product)/(?P<id>\d+)\.html\b",
            re.IGNORECASE,
        ),
    )

    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        super().__init__(env, http)
        self.now: Callable[[], datetime] = lambda: datetime.now(CHINA)

    async def search(self, query: str, *, page: int = 1, page_size: int = 20) -> list[Product]:
        request = {"keyword": query, "pageIndex": page, "pageSize": page_size}
        return parse.products(await self._query(request))

    async def item(self, external_id: str) -> Product:
        sku = external_id.strip()
        if not sku.isdigit():
            raise BadRequest(f"not a JD SKU id: {external_id!r}", provider=NAME)
        entries = await self._query({"skuIds": [int(sku)]})
        if not entries:
            raise NotFound(f"no SKU {sku}", provider=NAME)
        return parse.product(entries[0])

    async def _query(self, request: Mapping[str, Any]) -> list[dict[str, Any]]:
        business = {"goodsReqDTO": {**request, "sceneId": SCENE_ID}}
        text = json.dumps(business, ensure_ascii=False, separators=(",", ":"))
        goods: list[dict[str, Any]] = await self.call(METHOD, {"360buy_param_json": text})
        return goods

    def system_params(self, method: str) -> dict[str, str]:
        return {
            "method": method,
            "app_key": self.env["JD_APP_KEY"],
            "timestamp": self.now().astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
            "format": "json",
            "v": "1.0",
            "sign_method": "md5",
        }

    def sign(self, method: str, params: dict[str, str]) -> dict[str, str]:
        return params | {SIGN: md5_wrapped(params, self.env["JD_APP_SECRET"])}

    def unwrap(self, method: str, response: Response) -> list[dict[str, Any]]:
        return _goods(response)


def _goods(response: Response) -> list[dict[str, Any]]:
    """Check one answer inside the retry loop: errors raised, the goods list returned."""
    body = response.json(NAME)
    if not isinstance(body, dict):
        raise ServerError("unexpected answer: not a JSON object", provider=NAME, raw=body)
    error = body.get("error_response")
    if isinstance(error, dict):
        message = str(error.get("zh_desc") or error.get("en_desc") or "error")
        raise from_code(codes.GATEWAY, error.get("code"), message, provider=NAME, raw=error)
    node = next((body[key] for key in NODES if isinstance(body.get(key), dict)), None)
    if node is None:
        raise ServerError(f"unexpected answer: no {NODES[0]}", provider=NAME, raw=body)
    result = parse.query_result(node.get("queryResult"))
    code = str(result.get("code", ""))
    if code != codes.OK:
        message = str(result.get("message") or "error")
        raise from_code(codes.QUERY, code, message, provider=NAME, raw=result)
    entries = result.get("data") or []
    if not isinstance(entries, list):
        raise ServerError("unexpected answer: queryResult.data is not a list", provider=NAME)
    return [entry for entry in entries if isinstance(entry, dict)]
