"""Turn a 1688 product-detail answer (``{"productInfo": {...}}``) into a unified ``Product``.

The shape is ``alibaba.product.ProductInfo``, shared by alibaba.cross.productInfo and
alibaba.product.get: subject, description, image.images (paths relative to
https://cbu01.alicdn.com/), skuInfos[] with attributes, saleInfo with priceRanges, shippingInfo.

Wholesale prices. 1688 sells by quantity tier (``priceRanges: [{startQuantity, price}]``), on the
offer (saleInfo) or, for quoteType 3, on each SKU (``skuInfos[].priceRange``). A ``Sku`` has one
price, so it gets the price of the tier with the LOWEST startQuantity: the unit price of the
smallest order the seller accepts, i.e. what a shopper buying a few pieces pays (bigger tiers
are cheaper, and showing them would understate the price). The full tier list that applied is
kept in ``Sku.raw["priceRanges"]`` and the offer's ``minOrderQuantity`` in
``Sku.raw["minOrderQuantity"]``.

Price of one SKU, first found wins: the SKU's own tiers, the SKU's ``price`` (quoteType 1),
the offer's tiers, then the distribution price ``consignPrice`` (SKU, then offer). The docs do
not say which field wins when several are filled; this order follows the quoteType comments.
An item with no price at all (``priceAuth``: price shown to members only) raises NotSupported.

Numbers arrive as JSON doubles; they go to Decimal through ``str()``, which gives back the
digits the provider wrote for any ordinary price.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from integrations.errors import NotSupported, ServerError
from integrations.marketplaces.feed.parse import clean_text
from integrations.payload import as_dict, as_list, integer, positive_decimal
from integrations.types import Availability, Offer, Product, Sku

MARKETPLACE = "alibaba1688"
CURRENCY = "CNY"
IMAGE_HOST = "https://cbu01.alicdn.com/"
ITEM_URL = "https://detail.1688.com/offer/{id}.html"
TITLE_MAX = 300
DESCRIPTION_MAX = 5000
ONLINE = "published"
NO_BRAND = frozenset({"", "其他", "无", "无品牌"})


def parse_product(payload: dict[str, Any], requested_id: str = "") -> Product:
    """The product in one detail answer; raw keeps the whole answer."""
    info = payload.get("productInfo")
    if not isinstance(info, dict):
        raise ServerError("answer has no productInfo", provider=MARKETPLACE, raw=payload)
    product_id = str(info.get("productID") or requested_id)
    sale = as_dict(info.get("saleInfo"))
    images = [_image(path) for path in as_list(as_dict(info.get("image")).get("images"))]
    return Product(
        marketplace=MARKETPLACE,
        external_id=product_id,
        title=clean_text(str(info.get("subject") or ""), TITLE_MAX),
        skus=_skus(info, sale, product_id),
        url=ITEM_URL.format(id=product_id),
        description=clean_text(str(info.get("description") or ""), DESCRIPTION_MAX),
        image_url=next((url for url in images if url), None),
        category=str(info.get("categoryName") or ""),
        brand=_brand(info),
        seller=str(info.get("sellerLoginId") or info.get("supplierLoginId") or ""),
        raw=payload,
    )


def _skus(info: dict[str, Any], sale: dict[str, Any], product_id: str) -> tuple[Sku, ...]:
    names = _attribute_names(info)
    weight = _grams(as_dict(info.get("shippingInfo")).get("unitWeight"))
    online = str(info.get("status") or ONLINE) == ONLINE
    entries = [sku for sku in as_list(info.get("skuInfos")) if isinstance(sku, dict)]
    if not entries:  # a single-variant offer: the offer is its one SKU
        entries = [{"skuId": product_id, "amountOnSale": sale.get("amountOnSale")}]
    return tuple(_sku(entry, sale, names, weight, online) for entry in entries)


def _sku(
    entry: dict[str, Any],
    sale: dict[str, Any],
    names: dict[str, str],
    weight: int | None,
    online: bool,
) -> Sku:
    price, tiers = _price(entry, sale)
    stock = integer(entry.get("amountOnSale"))
    available = online and stock != 0
    attributes, image = _sku_attributes(as_list(entry.get("attributes")), names)
    return Sku(
        external_id=str(entry.get("skuId") or entry.get("specId") or ""),
        offer=Offer(price, CURRENCY),
        availability=Availability.IN_STOCK if available else Availability.OUT_OF_STOCK,
        stock=stock,
        attributes=attributes,
        weight_grams=weight,
        image_url=image,
        raw=entry | {"priceRanges": tiers, "minOrderQuantity": sale.get("minOrderQuantity")},
    )


def _price(entry: dict[str, Any], sale: dict[str, Any]) -> tuple[Decimal, list[Any]]:
    """The unit price at the smallest order, and the tier list it came from."""
    sku_tiers = as_list(entry.get("priceRange"))
    offer_tiers = as_list(sale.get("priceRanges"))
    candidates: tuple[tuple[Decimal | None, list[Any]], ...] = (
        (_lowest_tier(sku_tiers), sku_tiers),
        (positive_decimal(entry.get("price")), []),
        (_lowest_tier(offer_tiers), offer_tiers),
        (positive_decimal(entry.get("consignPrice")), []),
        (positive_decimal(sale.get("consignPrice")), []),
    )
    for price, tiers in candidates:
        if price is not None:
            return price, tiers
    raise NotSupported("item has no public price (members-only?)", provider=MARKETPLACE)


def _lowest_tier(tiers: list[Any]) -> Decimal | None:
    priced = [
        (integer(tier.get("startQuantity")) or 1, price)
        for tier in tiers
        if isinstance(tier, dict) and (price := positive_decimal(tier.get("price"))) is not None
    ]
    return min(priced)[1] if priced else None


def _sku_attributes(
    attributes: list[Any], names: dict[str, str]
) -> tuple[dict[str, str], str | None]:
    found: dict[str, str] = {}
    image: str | None = None
    for attribute in attributes:
        if not isinstance(attribute, dict):
            continue
        key = str(attribute.get("attributeID") or "")
        name = attribute.get("attributeDisplayName") or names.get(key) or key
        value = attribute.get("attributeValue") or attribute.get("customValueName") or ""
        if name and value:
            found[str(name)] = str(value)
        if image is None and attribute.get("skuImageUrl"):
            image = _image(str(attribute["skuImageUrl"]))
    return found, image


def _attribute_names(info: dict[str, Any]) -> dict[str, str]:
    """attributeID -> attributeName from the product's attributes (SKU attributes carry only
    the id unless attributeDisplayName is filled)."""
    return {
        str(attr.get("attributeID")): str(attr.get("attributeName"))
        for attr in as_list(info.get("attributes"))
        if isinstance(attr, dict) and attr.get("attributeID") and attr.get("attributeName")
    }


def _brand(info: dict[str, Any]) -> str:
    for attr in as_list(info.get("attributes")):
        if isinstance(attr, dict) and attr.get("attributeName") == "品牌":
            value = str(attr.get("value") or "").strip()
            if value not in NO_BRAND:
                return value
    return ""


def _image(path: str) -> str:
    path = path.strip()
    if not path or path.startswith(("http://", "https://")):
        return path
    return IMAGE_HOST + path.lstrip("/")


def _grams(kilograms: Any) -> int | None:
    weight = positive_decimal(kilograms)
    if weight is None:
        return None
    return max(1, int((weight * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)))
