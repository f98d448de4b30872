"""Taobao affiliate (tbk) items -> unified ``Product`` records (prices as Decimal, CNY).

Both methods answer flat item dicts (``num_iid`` or ``item_id``, ``title``, ``pict_url``,
``reserve_price`` list price, ``zk_final_price`` current price, ``user_type`` 1 = Tmall, ...);
prices are decimal strings. material.optional adds coupon fields (``coupon_amount``,
``coupon_start_fee``, ``coupon_start_time``/``coupon_end_time`` as dates in China time).

Pricing: the offer price is the list price (``reserve_price``, else the current price). The
promotion is the coupon price (current price minus the coupon, valid through the coupon's
last day) when a coupon applies, else the current price when it is below the list price.

Error policy: an item without an id, title or price raises ServerError("unexpected answer");
``products`` skips such items (logged) so one bad item does not sink a search page.
``raw`` is the item as received plus ``platform`` ("tmall" for user_type 1, else "taobao").
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from integrations.errors import ServerError
from integrations.payload import each_product, money
from integrations.types import Offer, Product, Promotion, Sku

log = logging.getLogger(__name__)

MARKETPLACE = "taobao"
CURRENCY = "CNY"
CHINA = timezone(timedelta(hours=8))
CENT = Decimal("0.01")
TAOBAO_URL = "https://item.taobao.com/item.htm?id={id}"
TMALL_URL = "https://detail.tmall.com/item.htm?id={id}"


def items(node: Any, *path: str) -> list[dict[str, Any]]:
    """The item dicts under `path` in a response node ([] when any step is missing)."""
    for step in path:
        node = node.get(step) if isinstance(node, Mapping) else None
    return [item for item in node if isinstance(item, dict)] if isinstance(node, list) else []


def products(entries: list[dict[str, Any]]) -> list[Product]:
    """Every well-formed item as a Product; malformed ones are logged and skipped."""
    return each_product("taobao", entries, product)


def product(item: dict[str, Any]) -> Product:
    """One tbk item as a Product; ServerError when id, title or price is missing."""
    item_id = str(item.get("num_iid") or item.get("item_id") or "").strip()
    title = str(item.get("title") or "").strip()
    if not item_id or not title:
        raise _unexpected(f"item without id or title: {item_id or title or item!r:.80}")
    platform = "tmall" if str(item.get("user_type", "")) == "1" else "taobao"
    image = _https(item.get("pict_url"))
    sku = Sku(external_id=item_id, offer=_offer(item, item_id), image_url=image, raw=item)
    return Product(
        marketplace=MARKETPLACE,
        external_id=item_id,
        title=title,
        skus=(sku,),
        url=(TMALL_URL if platform == "tmall" else TAOBAO_URL).format(id=item_id),
        image_url=image,
        category=str(item.get("category_name") or item.get("cat_name") or ""),
        seller=str(item.get("shop_title") or item.get("nick") or ""),
        raw={**item, "platform": platform},
    )


def _offer(item: dict[str, Any], item_id: str) -> Offer:
    current, listed = money(item.get("zk_final_price")), money(item.get("reserve_price"))
    if current is None and listed is None:
        raise _unexpected(f"item {item_id} has no price")
    price = max(p for p in (current, listed) if p is not None)
    return Offer(price, CURRENCY, _coupon(item, current) or _discount(current, price))


def _coupon(item: dict[str, Any], current: Decimal | None) -> Promotion | None:
    amount, threshold = money(item.get("coupon_amount")), money(item.get("coupon_start_fee"))
    if current is None or not amount or amount >= current or (threshold or 0) > current:
        return None
    starts = _instant(item.get("coupon_start_time"), end=False)
    ends = _instant(item.get("coupon_end_time"), end=True)
    return Promotion(current - amount, CURRENCY, starts, ends, label="券后价")


def _discount(current: Decimal | None, price: Decimal) -> Promotion | None:
    return Promotion(current, CURRENCY, label="折扣价") if current and current < price else None


def _instant(value: Any, *, end: bool) -> datetime | None:
    """A coupon bound: epoch milliseconds, "yyyy-MM-dd" or "yyyy-MM-dd HH:mm:ss" (China)."""
    text = str(value or "").strip()
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        if len(text) == 10:  # a whole day: an end date is inclusive
            day = date.fromisoformat(text) + timedelta(days=1 if end else 0)
            return datetime.combine(day, time(), CHINA).astimezone(UTC)
        if text:
            return datetime.fromisoformat(text).replace(tzinfo=CHINA).astimezone(UTC)
    except (ValueError, OverflowError):
        log.warning("taobao: coupon time %r ignored", text)
    return None


def _https(url: Any) -> str | None:
    text = str(url or "").strip()
    return f"https:{text}" if text.startswith("//") else (text or None)


def _unexpected(what: str) -> ServerError:
    return ServerError(f"unexpected answer: {what}", provider=MARKETPLACE)
