"""A fake Pinduoduo open platform gateway (api/router), for tests.

It checks what the real gateway checks, with its own signing code (not the adapter's):
``type``, ``client_id``, ``timestamp`` (unix s, within 10 minutes), ``sign`` =
UPPER(MD5(secret + sorted k+v + secret)). It answers pdd.ddk.goods.search and
pdd.ddk.goods.detail (by goods_sign, or the legacy goods_id_list) from ``goods`` with prices
in fen, and PDD ``error_response`` bodies otherwise. Unknown goods: an empty goods_details.

``plan`` (see server.py) takes a step per gateway call, with Retry-After: 1 and one more step:
"ratelimit" (70031 in the body).
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.integrations.fakes.server import FormGateway, answer

CLIENT_ID = "f1e2d3c4b5a6978877665544332211aa"
SECRET = "fake-pdd-secret"

GOODS: list[dict[str, Any]] = [
    {
        "goods_sign": "E9H2kmAqX1FHJ8dNwfDgNwQbm1d_JQqK3Kjtgb",
        "goods_id": 392738271943,
        "goods_name": "【百亿补贴】Apple AirPods Pro 2 无线蓝牙降噪耳机",
        "goods_desc": "主动降噪，自适应通透模式",
        "goods_image_url": "https://img.pddpic.com/mms-material-img/2026-01-01/airpods.jpeg",
        "goods_thumbnail_url": "https://img.pddpic.com/mms-material-img/2026-01-01/airpods_t.jpeg",
        "min_group_price": 139900,
        "min_normal_price": 149900,
        "has_coupon": True,
        "coupon_discount": 10000,
        "coupon_min_order_amount": 100000,
        "coupon_start_time": 1767196800,  # 2026-01-01 00:00 China time
        "coupon_end_time": 1798732799,  # 2026-12-31 23:59:59 China time
        "mall_name": "数码官方旗舰店",
        "opt_name": "耳机",
        "sales_tip": "10万+",
        "promotion_rate": 10,
    },
    {
        "goods_sign": "Y9X2wBgYd5tHJ8dNwfDgNwQbm1d_JQqK8Mnsvd",
        "goods_id": 512345678901,
        "goods_name": "云南高山小土豆 新鲜黄心土豆 5斤装",
        "goods_image_url": "https://img.pddpic.com/mms-material-img/2026-01-01/potato.jpeg",
        "min_group_price": 990,
        "min_normal_price": 1290,
        "has_coupon": False,
        "coupon_discount": 0,
        "mall_name": "云南农家直供",
        "opt_name": "蔬菜",
        "sales_tip": "3.2万",
    },
    {"goods_sign": "BROKEN", "goods_name": "无价格耳机"},  # malformed: no price
]


def expected_sign(form: dict[str, str], secret: str) -> str:
    """PDD's rule, written again here on purpose."""
    text = secret + "".join(k + form[k] for k in sorted(form) if k != "sign" and form[k]) + secret
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()


def error(code: int, msg: str, sub_code: str = "", sub_msg: str = "") -> web.Response:
    body = {
        "error_code": code,
        "error_msg": msg,
        "sub_code": sub_code or str(code),
        "sub_msg": sub_msg or msg,
        "request_id": "17678123456789012",
    }
    return answer({"error_response": body})


@dataclass
class FakePinduoduo(FormGateway):
    api_path = "/api/router"

    goods: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(GOODS))

    def misbehaviour(self, step: str) -> web.Response:
        if step == "ratelimit":
            return error(70031, "调用过于频繁，请调整调用频率")
        return super().misbehaviour(step)

    def check(self, form: dict[str, str]) -> web.Response | None:
        for name in ("type", "client_id", "timestamp", "sign"):
            if not form.get(name):
                return error(10001, f"公共参数错误:{name}")
        if form.get("data_type", "JSON") != "JSON":
            return error(10001, "公共参数错误:data_type")
        if form["client_id"] != CLIENT_ID:
            return error(10016, "client下线或者clientId不正确")
        if form["sign"] != expected_sign(form, SECRET):
            return error(20004, "签名验证失败")
        if not form["timestamp"].isdigit() or abs(time.time() - int(form["timestamp"])) > 600:
            return error(10001, "公共参数错误:timestamp")
        return None

    def dispatch(self, form: dict[str, str]) -> web.Response:
        if form["type"] == "pdd.ddk.goods.search":
            return self._search(form)
        if form["type"] == "pdd.ddk.goods.detail":
            return self._detail(form)
        return error(10017, "type不正确")

    def _search(self, form: dict[str, str]) -> web.Response:
        keyword = form.get("keyword", "")
        page, size = int(form.get("page", "1")), int(form.get("page_size", "100"))
        hits = [g for g in self.goods if keyword and keyword in g["goods_name"]]
        node = {
            "goods_list": hits[(page - 1) * size : page * size],
            "list_id": "fake-list",
            "search_id": "fake-search",
            "total_count": len(hits),
        }
        return answer({"goods_search_response": node})

    def _detail(self, form: dict[str, str]) -> web.Response:
        if form.get("goods_sign"):
            found = [g for g in self.goods if g["goods_sign"] == form["goods_sign"]]
        elif form.get("goods_id_list"):
            ids = json.loads(form["goods_id_list"])
            found = [g for g in self.goods if g.get("goods_id") in ids]
        else:
            return error(20007, "缺少必填请求参数")
        node = {"goods_details": found, "request_id": "17678123456789012"}
        return answer({"goods_detail_response": node})
