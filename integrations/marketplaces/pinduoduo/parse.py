"""Pinduoduo ddk goods -> unified ``Product`` records (prices as Decimal, CNY).

Goods dicts from pdd.ddk.goods.search (``goods_list``) and pdd.ddk.goods.detail
(``goods_details``) share the fields used here: ``goods_sign`` (the id the API accepts today),
``goods_id`` (legacy numeric id, the one in yangkeduo.com links), ``goods_name``,
``goods_image_url``, ``min_group_price`` / ``min_normal_price`` (group-buy / single-buy, in
fen), ``has_coupon``, ``coupon_discount`` and ``coupon_min_order_amount`` (fen),
``coupon_start_time`` / ``coupon_end_time`` (unix seconds), ``mall_name``.

Pricing: the offer price is the group-buy price (what most Pinduoduo buyers pay; the
single-buy price stays in raw); the promotion is that price minus the coupon, inside the
coupon window, when the price reaches the coupon threshold.

external_id is ``goods_sign`` when present (the detail API wants it), else ``goods_id``.
Error policy: goods without an id, name or group price raise ServerError("unexpected
answer"); ``products`` skips them (logged). ``raw`` is the goods dict as received.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from integrations.errors import ServerError
from integrations.payload import each_product, fen
from integrations.types import Offer, Product, Promotion, Sku

log = logging.getLogger(__name__)

MARKETPLACE = "pinduoduo"
CURRENCY = "CNY"
GOODS_URL = "https://mobile.yangkeduo.com/goods.html?goods_id={id}"


def products(entries: list[dict[str, Any]]) -> list[Product]:
    """Every well-formed goods as a Product; malformed ones are logged and skipped."""
    return each_product("pinduoduo", entries, product)


def product(goods: dict[str, Any]) -> Product:
    """One goods dict as a Product; ServerError when id, name or price is missing."""
    goods_id = str(goods.get("goods_id") or "").strip()
    external_id = str(goods.get("goods_sign") or "").strip() or goods_id
    title = str(goods.get("goods_name") or "").strip()
    price = fen(goods.get("min_group_price"))
    if not external_id or not title or price is None:
        raise _unexpected(f"goods without id, name or price: {external_id or title!r:.80}")
    image = str(goods.get("goods_image_url") or goods.get("goods_thumbnail_url") or "") or None
    offer = Offer(price, CURRENCY, _coupon(goods, price))
    return Product(
        marketplace=MARKETPLACE,
        external_id=external_id,
        title=title,
        skus=(Sku(external_id=external_id, offer=offer, image_url=image, raw=goods),),
        url=GOODS_URL.format(id=goods_id) if goods_id.isdigit() else None,
        description=str(goods.get("goods_desc") or ""),
        image_url=image,
        category=str(goods.get("opt_name") or goods.get("category_name") or ""),
        seller=str(goods.get("mall_name") or ""),
        raw=goods,
    )


def _coupon(goods: dict[str, Any], price: Decimal) -> Promotion | None:
    discount = fen(goods.get("coupon_discount"))
    threshold = fen(goods.get("coupon_min_order_amount"))
    if goods.get("has_coupon") is False or not discount or discount >= price:
        return None
    if threshold is not None and price < threshold:
        return None
    starts, ends = _epoch(goods.get("coupon_start_time")), _epoch(goods.get("coupon_end_time"))
    return Promotion(price - discount, CURRENCY, starts, ends, label="券后价")


def _epoch(value: Any) -> datetime | None:
    try:
        seconds = int(str(value))
        return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None
    except (ValueError, OverflowError, OSError):
        return None


def _unexpected(what: str) -> ServerError:
    return ServerError(f"unexpected answer: {what}", provider=MARKETPLACE)
