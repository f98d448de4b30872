"""A fake Weidian (vdian) open API (tests only).

- ``GET /token?grant_type=client_credential&appkey=&secret=`` issues a token.
- ``GET|POST /api`` with ``param`` and ``public`` (JSON, in the query or a form) answers
  ``vdian.item.get`` from an in-memory item table.

Every answer is ``{"status": {"status_code", "status_reason"}, "result": ...}``. 10013 "access
token expired" and 10008 "非法请求(...)" are the codes seen in public clients; the code for a
wrong secret and "非法请求(商品不存在)" for an unknown item are this fake's guesses.
``expire_tokens()`` invalidates every token issued so far; ``reject_tokens`` makes the API
refuse even fresh ones. ``plan`` (see server.py) takes a step per /api request, with
Retry-After: 3. ``calls`` records the /api requests.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.integrations.fakes.server import FakeServer, fields

APP_KEY = "654134"
APP_SECRET = "ce0977f7e176bb6b19728dff127f8827"
TOKEN_SECONDS = 90000

BAG: dict[str, Any] = {
    "itemid": "2731485613",
    "item_name": "【现货】日系复古帆布包 大容量单肩包&nbsp;学生",
    "item_desc": "<p>加厚帆布</p><p>可放A4 &amp; 笔记本电脑</p>",
    "price": "89.00",
    "stock": 20,
    "sold": 312,
    "status": 1,
    "seller_id": "1642388722",
    "merchant_code": "BAG-01",
    "imgs": [
        "https://si.geilicdn.com/vshop1642388722-1571299781281-1.jpg",
        "https://si.geilicdn.com/vshop1642388722-1571299781281-2.jpg",
    ],
    "thumb_imgs": ["https://si.geilicdn.com/vshop1642388722-1571299781281-1.jpg?w=110"],
    "cates": [{"cate_id": 77808307, "cate_name": "包包", "sort_num": 1}],
    "skus": [
        {
            "id": "5194330696",
            "title": "米白色",
            "price": "89.00",
            "stock": 20,
            "sku_merchant_code": "BAG-01-W",
            "img": "https://si.geilicdn.com/vshop1642388722-white.jpg",
        },
        {"id": "5194330697", "title": "黑色 加厚款", "price": "92.50", "stock": 0},
    ],
}

SOAP: dict[str, Any] = {  # no SKUs
    "itemid": "2731485614",
    "item_name": "手工冷制皂 天然精油 100g",
    "item_desc": "",
    "price": "25.00",
    "stock": 100,
    "imgs": [],
    "cates": [],
    "skus": [],
}

ITEMS = {item["itemid"]: item for item in (BAG, SOAP)}


def _status(code: int, reason: str, result: Any = None) -> web.Response:
    body: dict[str, Any] = {"status": {"status_code": code, "status_reason": reason}}
    if result is not None:
        body["result"] = result
    return web.json_response(body)


@dataclass
class FakeWeidian(FakeServer[dict[str, Any]]):
    app_key: str = APP_KEY
    app_secret: str = APP_SECRET
    items: dict[str, dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(ITEMS))
    reject_tokens: bool = False
    token_requests: int = 0
    _valid: set[str] = field(default_factory=set)

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/token", self._token)
        router.add_route("*", "/api", self._api)

    def expire_tokens(self) -> None:
        self._valid.clear()

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        query = request.query
        if query.get("grant_type") != "client_credential":
            return _status(10008, "非法请求(grant_type错误)")
        if query.get("appkey") != self.app_key or query.get("secret") != self.app_secret:
            return _status(10002, "appkey或secret错误")
        token = f"wd-token-{self.token_requests}"
        self._valid.add(token)
        return _status(0, "success", {"access_token": token, "expire_in": TOKEN_SECONDS})

    async def _api(self, request: web.Request) -> web.Response:
        form = await fields(request)
        try:
            public = json.loads(form.get("public", ""))
            param = json.loads(form.get("param", "{}"))
        except ValueError:
            public, param = None, None
        self.calls.append({"method": request.method, "public": public, "param": param})
        if (misbehaving := await self.misbehave()) is not None:
            return misbehaving
        if not isinstance(public, dict) or not isinstance(param, dict):
            return _status(10008, "非法请求(public或param不是JSON)")
        if self.reject_tokens or public.get("access_token") not in self._valid:
            return _status(10013, "access_token过期")
        if public.get("method") != "vdian.item.get" or public.get("format") != "json":
            return _status(10008, f"非法请求(不支持的方法{public.get('method')})")
        item = self.items.get(str(param.get("itemid", "")))
        if item is None:
            return _status(10008, "非法请求(商品不存在)")
        return _status(0, "", item)
