"""A fake Taobao Open Platform gateway (router/rest) plus m.tb.cn short links, for tests.

It checks what the real gateway checks, with its own signing code (not the adapter's):
required system parameters, the app key, the md5 / hmac-sha256 signature and a timestamp
within 10 minutes of China time. It answers taobao.tbk.item.info.get and
taobao.tbk.dg.material.optional from ``items``, and TOP ``error_response`` bodies otherwise.

``plan`` (see server.py) takes a step per gateway call, with Retry-After: 1 and one more step:
"ratelimit" (TOP code 7 in the body).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from aiohttp import web

from tests.integrations.fakes.server import FormGateway, answer

APP_KEY = "23456789"
SECRET = "fake-taobao-secret"
CHINA = timezone(timedelta(hours=8))
COUPON_FIELDS = ("coupon_amount", "coupon_start_fee", "coupon_start_time", "coupon_end_time")

ITEMS: dict[str, dict[str, Any]] = {
    "123456": {
        "num_iid": 123456,
        "title": "适用苹果15手机壳透明硅胶防摔全包软壳",
        "pict_url": "//img.alicdn.com/bao/uploaded/i1/123456.jpg",
        "small_images": {"string": ["//img.alicdn.com/bao/uploaded/i2/123456.jpg"]},
        "reserve_price": "39.90",
        "zk_final_price": "29.90",
        "user_type": 0,
        "provcity": "广东 深圳",
        "nick": "酷壳派数码专营店",
        "seller_id": 2200123456,
        "volume": 1523,
        "cat_name": "手机配件",
        "coupon_amount": "5",
        "coupon_start_fee": "20",
        "coupon_start_time": "2026-01-01",
        "coupon_end_time": "2026-12-31",
        "coupon_info": "满20元减5元",
        # The affiliate links tbk answers with (integrations/marketplaces/affiliate.py).
        "coupon_share_url": "//uland.taobao.com/coupon/edetail?e=fake123456&pid=mm_1_2_3",
        "url": "//s.click.taobao.com/t?e=fake123456",
    },
    "654321": {
        "num_iid": 654321,
        "title": "膳魔师保温杯316不锈钢大容量",
        "pict_url": "https://img.alicdn.com/imgextra/i3/654321.jpg",
        "reserve_price": "189.00",
        "zk_final_price": "189.00",
        "user_type": 1,
        "provcity": "上海",
        "nick": "膳魔师官方旗舰店",
        "volume": 860,
        "cat_name": "保温杯",
    },
    "777": {"num_iid": 777, "title": "手机壳 无价格", "user_type": 0},  # malformed: no price
}

SHORT_LINKS: dict[str, str] = {
    "h.5kQ0Wx2": (
        "<html><head><script>var url = 'https://a.m.taobao.com/i123456.htm?price=29.90"
        "&amp;sourceType=item&amp;suid=ABC';</script></head><body></body></html>"
    ),
}
SHORT_REDIRECTS: dict[str, str] = {"h.Redir01": "https://detail.tmall.com/item.htm?id=654321"}
REQUIRED = {
    "method": (21, "Missing method"),
    "app_key": (28, "Missing app key"),
    "timestamp": (30, "Missing timestamp"),
    "v": (32, "Missing version"),
    "sign": (24, "Missing signature"),
}


def expected_sign(form: dict[str, str], secret: str) -> str:
    """TOP's rule, written again here on purpose: sorted k+v, no sign, no empty values."""
    text = "".join(k + form[k] for k in sorted(form) if k != "sign" and form[k])
    if form.get("sign_method") == "hmac-sha256":
        return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest().upper()
    wrapped = (secret + text + secret).encode()
    return hashlib.md5(wrapped, usedforsecurity=False).hexdigest().upper()


def error(code: int, msg: str, sub_code: str = "", sub_msg: str = "") -> web.Response:
    body: dict[str, Any] = {"code": code, "msg": msg, "request_id": "fake-req"}
    if sub_code:
        body |= {"sub_code": sub_code, "sub_msg": sub_msg}
    return answer({"error_response": body})


@dataclass
class FakeTaobao(FormGateway):
    api_path = "/router/rest"

    items: dict[str, dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(ITEMS))
    missing_item: str = "error"  # or "empty": answer no results instead of an error

    def routes(self, router: web.UrlDispatcher) -> None:
        super().routes(router)
        router.add_get("/{code}", self._short_link)

    def misbehaviour(self, step: str) -> web.Response:
        if step == "ratelimit":
            return error(
                7, "App Call Limited", "accesscontrol.limited-by-app-access-count",
                "This ban will last for 1 more seconds",
            )  # fmt: skip
        return super().misbehaviour(step)

    def check(self, form: dict[str, str]) -> web.Response | None:
        for name, (code, msg) in REQUIRED.items():
            if not form.get(name):
                return error(code, msg)
        if form.get("format") != "json" or form["v"] != "2.0":
            return error(23, "Invalid format")
        if form.get("sign_method", "md5") not in ("md5", "hmac-sha256"):
            return error(41, "Invalid arguments:sign_method")
        if form["app_key"] != APP_KEY:
            return error(29, "Invalid app Key", "isv.appkey-not-exists", "appkey not exists")
        if form["sign"] != expected_sign(form, SECRET):
            return error(25, "Invalid signature")
        try:
            sent = datetime.strptime(form["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
        except ValueError:
            return error(31, "Invalid timestamp")
        if abs(datetime.now(CHINA) - sent) > timedelta(minutes=10):
            return error(31, "Invalid timestamp")
        return None

    def dispatch(self, form: dict[str, str]) -> web.Response:
        if form["method"] == "taobao.tbk.item.info.get":
            return self._item_info(form)
        if form["method"] == "taobao.tbk.dg.material.optional":
            return self._material(form)
        return error(22, "Invalid method")

    def _item_info(self, form: dict[str, str]) -> web.Response:
        ids = [i for i in form.get("num_iids", "").split(",") if i]
        if not ids:
            return error(40, "Missing required arguments:num_iids")
        found = [
            {k: v for k, v in self.items[i].items() if k not in COUPON_FIELDS}
            for i in ids
            if i in self.items
        ]
        if not found and self.missing_item == "error":
            return error(15, "Remote service error", "isv.item-not-exist", "商品不存在")
        node: dict[str, Any] = {"request_id": "fake-req"}
        if found:
            node["results"] = {"n_tbk_item": found}
        return answer({"tbk_item_info_get_response": node})

    def _material(self, form: dict[str, str]) -> web.Response:
        if not form.get("adzone_id") or not form.get("q"):
            return error(40, "Missing required arguments:adzone_id")
        page, size = int(form.get("page_no", "1")), int(form.get("page_size", "20"))
        hits = [
            {"item_id": str(item.pop("num_iid"))} | item
            for item in map(copy.deepcopy, self.items.values())
            if form["q"] in item["title"]
        ]
        node = {
            "total_results": len(hits),
            "result_list": {"map_data": hits[(page - 1) * size : page * size]},
            "request_id": "fake-req",
        }
        return answer({"tbk_dg_material_optional_response": node})

    async def _short_link(self, request: web.Request) -> web.StreamResponse:
        code = request.match_info["code"]
        if code in SHORT_REDIRECTS:
            return web.Response(status=302, headers={"Location": SHORT_REDIRECTS[code]})
        if code in SHORT_LINKS:
            return web.Response(text=SHORT_LINKS[code], content_type="text/html")
        return web.Response(status=404, text="not found")
