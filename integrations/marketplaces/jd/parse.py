"""JD Union goods -> unified ``Product`` records (prices as Decimal, CNY).

``queryResult`` is a JSON string; it is decoded with ``parse_float=Decimal`` so prices never
pass through float. Goods fields used: ``skuId``, ``skuName``, ``priceInfo`` (``price`` JD
price, ``lowestPrice`` promotional price, ``lowestCouponPrice`` price after the best coupon),
``couponInfo.couponList[]`` (``isBest``, ``useStartTime``/``useEndTime`` in epoch ms),
``imageInfo.imageList[].url``, ``shopInfo.shopName``, ``categoryInfo.cid3Name``,
``brandName``, ``materialUrl``. Prices may be numbers or strings.

Pricing: the offer price is ``price``; the promotion is the coupon price (inside the best
coupon's window) when below it, else the lowest price when below it.

Error policy: goods without skuId, name or price raise ServerError("unexpected answer");
``products`` skips them (logged). ``raw`` is the goods dict as decoded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from integrations.errors import ServerError
from integrations.payload import as_dict, each_product, money
from integrations.types import Offer, Product, Promotion, Sku

log = logging.getLogger(__name__)

MARKETPLACE = "jd"
CURRENCY = "CNY"
ITEM_URL = "https://item.jd.com/{id}.html"


def query_result(value: Any) -> dict[str, Any]:
    """The decoded queryResult (a JSON string inside the JSON answer)."""
    try:
        result = json.loads(value, parse_float=Decimal) if isinstance(value, str) else value
    except ValueError:
        result = None
    if not isinstance(result, dict):
        raise _unexpected(f"queryResult is not a JSON object: {value!r:.80}")
    return result


def products(entries: list[dict[str, Any]]) -> list[Product]:
    """Every well-formed goods as a Product; malformed ones are logged and skipped."""
    return each_product("jd", entries, product)


def product(goods: dict[str, Any]) -> Product:
    """One goods dict as a Product; ServerError when skuId, name or price is missing."""
    sku_id = str(goods.get("skuId") or "").strip()
    title = str(goods.get("skuName") or "").strip()
    prices = as_dict(goods.get("priceInfo"))
    price = money(prices.get("price"))
    if not sku_id or not title or price is None:
        raise _unexpected(f"goods without skuId, name or price: {sku_id or title!r:.80}")
    images = _list(as_dict(goods.get("imageInfo")), "imageList")
    image = next((str(i["url"]) for i in map(as_dict, images) if i.get("url")), None)
    offer = Offer(price, CURRENCY, _promotion(goods, prices, price))
    return Product(
        marketplace=MARKETPLACE,
        external_id=sku_id,
        title=title,
        skus=(Sku(external_id=sku_id, offer=offer, image_url=image, raw=goods),),
        url=ITEM_URL.format(id=sku_id),
        image_url=image,
        category=str(as_dict(goods.get("categoryInfo")).get("cid3Name") or ""),
        brand=str(goods.get("brandName") or ""),
        seller=str(as_dict(goods.get("shopInfo")).get("shopName") or ""),
        raw=goods,
    )


def _promotion(goods: dict[str, Any], prices: dict[str, Any], price: Decimal) -> Promotion | None:
    coupon_price = money(prices.get("lowestCouponPrice"))
    if coupon_price is not None and coupon_price < price:
        coupons = [as_dict(c) for c in _list(as_dict(goods.get("couponInfo")), "couponList")]
        best = next((c for c in coupons if str(c.get("isBest")) == "1"), _first(coupons))
        starts, ends = _epoch_ms(best.get("useStartTime")), _epoch_ms(best.get("useEndTime"))
        return Promotion(coupon_price, CURRENCY, starts, ends, label="券后价")
    lowest = money(prices.get("lowestPrice"))
    return Promotion(lowest, CURRENCY, label="促销价") if lowest and lowest < price else None


def _epoch_ms(value: Any) -> datetime | None:
    try:
        millis = int(str(value))
        return datetime.fromtimestamp(millis / 1000, UTC) if millis > 0 else None
    except (ValueError, OverflowError, OSError):
        return None


def _first(coupons: list[dict[str, Any]]) -> dict[str, Any]:
    return coupons[0] if coupons else {}


def _list(node: Mapping[str, Any], key: str) -> list[Any]:
    value = node.get(key)
    return value if isinstance(value, list) else []


def _unexpected(what: str) -> ServerError:
    return ServerError(f"unexpected answer: {what}", provider=MARKETPLACE)
