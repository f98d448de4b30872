"""A fake JD open platform gateway (routerjson) serving jd.union.open.goods.query, for tests.

It checks what the real gateway checks, with its own signing code (not the adapter's):
method, app_key, timestamp ("yyyy-MM-dd HH:mm:ss" China time, within 6 minutes), v, format,
sign_method and ``sign`` = UPPER(MD5(secret + sorted k+v + secret)). Business parameters come
in ``360buy_param_json``; the answer's ``queryResult`` is a JSON string inside the JSON.
Unknown SKUs: code 200 and no data. Gateway failures: ``error_response`` with zh/en text.

``plan`` (see server.py) takes a step per gateway call, with Retry-After: 1 and two more steps:
"ratelimit" (gateway code 2 in the body) and "query500" (queryResult code 500).
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from aiohttp import web

from tests.integrations.fakes.server import FormGateway, answer

APP_KEY = "A1B2C3D4E5F60718293A4B5C6D7E8F90"
SECRET = "fake-jd-secret"
CHINA = timezone(timedelta(hours=8))
NODE = "jd_union_open_goods_query_responce"

GOODS: dict[int, dict[str, Any]] = {
    100012043978: {
        "skuId": 100012043978,
        "skuName": "Apple iPhone 15 (A3092) 128GB 黑色 支持移动联通电信5G 双卡双待手机",
        "priceInfo": {
            "price": 5999.0,
            "lowestPrice": 5799.0,
            "lowestPriceType": 1,
            "lowestCouponPrice": 5699.0,
        },
        "couponInfo": {
            "couponList": [
                {
                    "bindType": 1,
                    "discount": 100.0,
                    "quota": 5000.0,
                    "isBest": 1,
                    "useStartTime": 1767196800000,  # 2026-01-01 00:00 China time
                    "useEndTime": 1769875199000,  # 2026-01-31 23:59:59 China time
                    "link": "https://coupon.m.jd.com/coupons/show.action?key=fake",
                }
            ]
        },
        "imageInfo": {"imageList": [{"url": "https://img14.360buyimg.com/pop/jfs/t1/15.jpg"}]},
        "shopInfo": {"shopName": "Apple产品京东自营旗舰店", "shopId": 1000000127},
        "categoryInfo": {"cid1Name": "手机通讯", "cid2Name": "手机", "cid3Name": "手机"},
        "brandName": "Apple",
        "materialUrl": "item.jd.com/100012043978.html",
        "owner": "g",
        "inOrderCount30Days": 12000,
    },
    100008348542: {
        "skuId": 100008348542,
        "skuName": "蓝月亮 亮白增艳洗衣液 3kg 瓶装",
        "priceInfo": {"price": "59.90", "lowestPrice": "49.90", "lowestPriceType": 2},
        "imageInfo": {"imageList": [{"url": "https://img14.360buyimg.com/pop/jfs/t1/lyl.jpg"}]},
        "shopInfo": {"shopName": "蓝月亮京东自营旗舰店"},
        "categoryInfo": {"cid3Name": "洗衣液"},
        "brandName": "蓝月亮",
        "materialUrl": "item.jd.com/100008348542.html",
        "owner": "g",
    },
    100000000777: {"skuId": 100000000777, "skuName": "洗衣液 无价格"},  # malformed: no price
}


def expected_sign(form: dict[str, str], secret: str) -> str:
    """JD's rule, written again here on purpose."""
    text = secret + "".join(k + form[k] for k in sorted(form) if k != "sign" and form[k]) + secret
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()


def error(code: str, zh: str, en: str) -> web.Response:
    return answer({"error_response": {"code": code, "zh_desc": zh, "en_desc": en}})


def query(result: dict[str, Any]) -> web.Response:
    text = json.dumps({"requestId": "fake-req", **result}, ensure_ascii=False)
    return answer({NODE: {"code": "0", "queryResult": text}})


@dataclass
class FakeJd(FormGateway):
    api_path = "/routerjson"

    goods: dict[int, dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(GOODS))

    def misbehaviour(self, step: str) -> web.Response:
        if step == "ratelimit":
            return error("2", "限制时间内调用失败次数", "App Call Limited")
        if step == "query500":
            return query({"code": 500, "message": "服务端异常"})
        return super().misbehaviour(step)

    def check(self, form: dict[str, str]) -> web.Response | None:
        missing = {
            "method": ("14", "缺少方法名参数", "Missing Method"),
            "app_key": ("18", "缺少app_key参数", "Missing app_key"),
            "timestamp": ("7", "缺少时间戳参数", "Missing Timestamp"),
            "v": ("4", "缺少版本参数", "Missing Version"),
            "sign": ("11", "缺少签名参数", "Missing Signature"),
        }
        for name, details in missing.items():
            if not form.get(name):
                return error(*details)
        if form["app_key"] != APP_KEY:
            return error("21", f"key={form['app_key']} 信息无效", "Invalid app_key")
        if form["sign"] != expected_sign(form, SECRET):
            return error("12", "无效签名", "Invalid Signature")
        try:
            sent = datetime.strptime(form["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
        except ValueError:
            return error("8", "非法的时间戳参数", "Invalid Timestamp")
        if abs(datetime.now(CHINA) - sent) > timedelta(minutes=6):
            return error("8", "非法的时间戳参数", "Invalid Timestamp")
        if form["method"] != "jd.union.open.goods.query":
            return error("15", "不存在的方法名", "Invalid Method")
        return None

    def dispatch(self, form: dict[str, str]) -> web.Response:
        """jd.union.open.goods.query, the one method ``check`` lets through."""
        request = json.loads(form.get("360buy_param_json") or "{}").get("goodsReqDTO") or {}
        if "skuIds" in request:
            hits = [self.goods[s] for s in request["skuIds"] if s in self.goods]
        elif request.get("keyword"):
            hits = [g for g in self.goods.values() if request["keyword"] in g["skuName"]]
        else:
            return query({"code": 411, "message": "参数错误：skuIds与keyword不能同时为空"})
        page, size = int(request.get("pageIndex", 1)), int(request.get("pageSize", 20))
        result: dict[str, Any] = {"code": 200, "message": "success", "totalCount": len(hits)}
        if hits:
            result["data"] = hits[(page - 1) * size : page * size]
        return query(result)
