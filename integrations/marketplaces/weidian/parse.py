"""Turn a ``vdian.item.get`` result into a unified ``Product``.

Fields used (result object): itemid, item_name, item_desc, price (string, yuan), stock, imgs,
cates[{cate_id, cate_name}], seller_id, and skus[{id, title, price, stock, img}].
A Weidian SKU has one free-text ``title`` ("红色 XL", "三打白骨精") rather than name/value
pairs, so it becomes ``Sku.attributes == {"规格": title}``. An item without skus is one SKU
keyed by the item id. Prices are CNY strings; they are read as Decimal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from integrations.errors import NotSupported
from integrations.marketplaces.feed.parse import clean_text
from integrations.payload import as_list, integer, positive_decimal
from integrations.types import Availability, Offer, Product, Sku

MARKETPLACE = "weidian"
CURRENCY = "CNY"
ITEM_URL = "https://weidian.com/item.html?itemID={id}"
SPEC = "规格"
TITLE_MAX = 300
DESCRIPTION_MAX = 5000


def parse_item(result: dict[str, Any], requested_id: str = "") -> Product:
    """The product in one item result; raw keeps the result."""
    item_id = str(result.get("itemid") or result.get("itemID") or requested_id)
    item_price = positive_decimal(result.get("price"))
    images = [str(url) for url in as_list(result.get("imgs")) if url]
    entries = [sku for sku in as_list(result.get("skus")) if isinstance(sku, dict)]
    if entries:
        skus = tuple(_sku(entry, item_price) for entry in entries)
    else:
        skus = (_sku({"id": item_id, "stock": result.get("stock")}, item_price),)
    cates = [cate for cate in as_list(result.get("cates")) if isinstance(cate, dict)]
    return Product(
        marketplace=MARKETPLACE,
        external_id=item_id,
        title=clean_text(str(result.get("item_name") or ""), TITLE_MAX),
        skus=skus,
        url=ITEM_URL.format(id=item_id),
        description=clean_text(str(result.get("item_desc") or ""), DESCRIPTION_MAX),
        image_url=images[0] if images else None,
        category=str(cates[0].get("cate_name") or "") if cates else "",
        seller=str(result.get("seller_id") or ""),
        raw=result,
    )


def _sku(entry: dict[str, Any], item_price: Decimal | None) -> Sku:
    price = positive_decimal(entry.get("price")) or item_price
    if price is None:
        raise NotSupported("item has no price", provider=MARKETPLACE, raw=entry)
    stock = integer(entry.get("stock"))
    title = clean_text(str(entry.get("title") or ""), 200)
    return Sku(
        external_id=str(entry.get("id") or ""),
        offer=Offer(price, CURRENCY),
        availability=Availability.OUT_OF_STOCK if stock == 0 else Availability.IN_STOCK,
        stock=stock,
        attributes={SPEC: title} if title else {},
        image_url=str(entry["img"]) if entry.get("img") else None,
        raw=entry,
    )
