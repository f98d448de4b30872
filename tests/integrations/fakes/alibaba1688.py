"""A fake 1688 open platform gateway (tests only).

Serves ``/openapi/param2/1/com.alibaba.product/alibaba.cross.productInfo/<appKey>`` by GET or
form POST, checks ``_aop_signature`` with its own implementation of the documented rule (not
the adapter's sign.py), and answers from an in-memory product table in 1688's formats:
gateway errors ``{"error_code", "error_message", "request_id"}`` with a 4xx status, API errors
``{"success": false, "message": ...}``.

``plan`` (see server.py) takes a step per request, with Retry-After: 3 and one more step: "qos"
(gw.QosAppFrequencyLimit in the body of a 400).
"""

from __future__ import annotations

import copy
import hmac
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.integrations.fakes.server import FakeServer, fields

APP_KEY = "1000000"
APP_SECRET = "test-secret"
ACCESS_TOKEN = "f14da3b8-b0b1-4f73-a5de-9bed637e0188"
DETAIL = "com.alibaba.product/alibaba.cross.productInfo"

TSHIRT: dict[str, Any] = {
    "productID": 573741401425,
    "productType": "wholesale",
    "categoryID": 127424004,
    "categoryName": "T恤",
    "subject": "2024夏季新款纯棉短袖T恤 &amp; 宽松<b>男女同款</b>",
    "description": "<p>精梳纯棉</p><p>支持<img src='x.jpg'/>一件代发</p>",
    "status": "published",
    "language": "CHINESE",
    "sellerLoginId": "义乌优品服饰厂",
    "attributes": [
        {"attributeID": 2176, "attributeName": "品牌", "value": "优品", "isCustom": False},
        {"attributeID": 3216, "attributeName": "颜色", "value": "白色", "isCustom": False},
        {"attributeID": 450, "attributeName": "尺码", "value": "M", "isCustom": False},
    ],
    "image": {
        "images": [
            "img/ibank/2024/766/624/1652426667_642119312.jpg",
            "img/ibank/2024/656/624/1652426656_642119312.jpg",
        ]
    },
    "skuInfos": [
        {
            "attributes": [
                {
                    "attributeID": 3216,
                    "attributeValue": "白色",
                    "skuImageUrl": "img/ibank/2024/221/909/9143909122_1606139362.jpg",
                },
                {"attributeID": 450, "attributeValue": "M"},
            ],
            "amountOnSale": 1200,
            "skuId": 3746778972330,
            "specId": "fb82997a5b64af3c729cea89bef44409",
        },
        {
            "attributes": [
                {"attributeID": 3216, "attributeValue": "黑色", "attributeDisplayName": "颜色"},
                {"attributeID": 450, "attributeValue": "L", "attributeDisplayName": "尺码"},
            ],
            "amountOnSale": 0,
            "skuId": 3746778972331,
            "specId": "01f43d7be0ccc4bd2ba36d4bdf1b3689",
        },
    ],
    "saleInfo": {
        "supportOnlineTrade": True,
        "mixWholeSale": True,
        "priceAuth": False,
        "priceRanges": [
            {"startQuantity": 10, "price": 22.5},
            {"startQuantity": 2, "price": 25.8},
            {"startQuantity": 100, "price": 19.9},
        ],
        "amountOnSale": 1200,
        "unit": "件",
        "minOrderQuantity": 2,
        "quoteType": 2,
    },
    "shippingInfo": {"unitWeight": 0.25, "freightTemplateID": 3053951},
}

TEAPOT: dict[str, Any] = {  # SKU prices (quoteType 1), item offline
    "productID": 620201390233,
    "categoryName": "茶壶",
    "subject": "景德镇手绘青花瓷茶壶 ",
    "status": "published",
    "image": {"images": ["https://cbu01.alicdn.com/img/ibank/O1CN01teapot.jpg"]},
    "skuInfos": [
        {
            "attributes": [
                {"attributeID": 1627207, "attributeValue": "青花", "attributeDisplayName": "款式"}
            ],
            "price": 128,
            "amountOnSale": 35,
            "skuId": 4100000000001,
        },
        {
            "attributes": [
                {"attributeID": 1627207, "attributeValue": "粉彩", "attributeDisplayName": "款式"}
            ],
            "price": 138.5,
            "amountOnSale": 12,
            "skuId": 4100000000002,
        },
    ],
    "saleInfo": {"priceRanges": [], "minOrderQuantity": 1, "quoteType": 1},
}

NOTEBOOK: dict[str, Any] = {  # no skuInfos: the offer is the only SKU
    "productID": 706627393257,
    "subject": "PVC插页文件夹A4加厚活页本",
    "status": "published",
    "image": {"images": []},
    "saleInfo": {
        "priceRanges": [{"startQuantity": 1, "price": "3.60"}],
        "amountOnSale": 5000,
        "minOrderQuantity": 1,
        "quoteType": 0,
    },
}

PRODUCTS = {str(p["productID"]): p for p in (TSHIRT, TEAPOT, NOTEBOOK)}
NO_RELATION = "655555555555"  # exists, but no cross-border distribution relation


def expected_signature(url_path: str, params: dict[str, str], secret: str) -> str:
    """The documented rule, written independently: HMAC-SHA1 over urlPath then the sorted
    key+value strings, hex, upper case."""
    mac = hmac.new(secret.encode(), url_path.encode(), "sha1")
    for piece in sorted(key + value for key, value in params.items() if key != "_aop_signature"):
        mac.update(piece.encode())
    return mac.hexdigest().upper()


@dataclass
class Fake1688(FakeServer[dict[str, Any]]):
    garbage_page = "<html><body>系统繁忙</body></html>"

    app_key: str = APP_KEY
    app_secret: str = APP_SECRET
    tokens: set[str] = field(default_factory=lambda: {ACCESS_TOKEN})
    products: dict[str, dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(PRODUCTS))

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_route("*", "/openapi/{path:.*}", self._handle)

    def misbehaviour(self, step: str) -> web.Response:
        if step == "qos":
            return _gateway(400, "gw.QosAppFrequencyLimit", "App call exceeds limited frequency")
        return super().misbehaviour(step)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        params = await fields(request)
        path = request.match_info["path"]
        self.calls.append({"method": request.method, "path": path, "params": params})
        return await self.misbehave() or self._answer(path, params)

    def _answer(self, path: str, params: dict[str, str]) -> web.Response:
        parts = path.split("/")
        if len(parts) != 5 or parts[0] != "param2":
            return _gateway(404, "gw.APIUnsupported", "api not found")
        namespace_api, app_key = "/".join(parts[2:4]), parts[4]
        secret = self.app_secret if app_key == self.app_key else ""
        given = params.get("_aop_signature", "")
        if not secret or given != expected_signature(path, params, secret):
            return _gateway(400, "gw.SignatureInvalid", "Request signature is invalid")
        if namespace_api != DETAIL:
            return _gateway(400, "gw.APIUnsupported", f"{namespace_api} is not supported")
        if params.get("access_token") not in self.tokens:
            return _gateway(401, "401", "Request need user authorized")
        product_id = params.get("productId", "")
        if not product_id:
            return _gateway(400, "gw.ParamMissing", "productId is required")
        if product_id == NO_RELATION:
            return web.json_response({"success": False, "message": "没有该商品的查询权限"})
        info = self.products.get(product_id)
        if info is None:
            return web.json_response({"success": False, "message": f"商品[{product_id}]不存在"})
        body = {"success": True, "message": "", "productInfo": info, "bizGroupInfos": []}
        return web.json_response(body)


def _gateway(status: int, code: str, message: str) -> web.Response:
    body = {"error_code": code, "error_message": message, "request_id": uuid.uuid4().hex}
    return web.json_response(body, status=status)
