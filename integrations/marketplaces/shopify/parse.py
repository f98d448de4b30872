"""Turn one product of a Shopify store's public JSON (``/products.json`` or
``/products/<handle>.json``) into a unified ``Product``.

Mapping: external_id = str(id); body_html -> description (clean text); vendor -> brand;
product_type -> category; first image -> image; one Sku per variant with option1..3 named by
the product's ``options`` (Shopify's placeholder "Title: Default Title" is dropped),
grams -> weight_grams, featured_image (or the image listing the variant) -> image_url.

Prices are strings in the store's currency (the caller passes it in). A variant whose
``compare_at_price`` is above ``price`` is on sale: the Offer's price is compare_at_price (the
regular price) with an open-ended Promotion at ``price``, so ``effective_price`` is what the
shopper pays today and the saving stays visible. ``available`` false -> OUT_OF_STOCK; the
per-handle endpoint omits ``available``, so a missing flag means IN_STOCK. Stock counts are
not public (None). Variants without a usable price are skipped.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from integrations.errors import NotSupported, ServerError
from integrations.marketplaces.feed.parse import clean_text
from integrations.payload import as_dict, as_list, integer, positive_decimal
from integrations.types import Availability, Offer, Product, Promotion, Sku

MARKETPLACE = "shopify"
TITLE_MAX = 300
DESCRIPTION_MAX = 5000
SALE_LABEL = "compare_at_price"
PLACEHOLDER_OPTION = ("Title", "Default Title")


def parse_product(data: dict[str, Any], *, currency: str, store_url: str) -> Product:
    """The product in one Shopify product object; raw keeps the object."""
    if data.get("id") is None:
        raise ServerError("product has no id", provider=MARKETPLACE, raw=data)
    names = _option_names(data.get("options"))
    images = [img for img in as_list(data.get("images")) if isinstance(img, dict)]
    by_variant = {
        str(vid): str(img.get("src")) for img in images for vid in as_list(img.get("variant_ids"))
    }
    variants = [v for v in as_list(data.get("variants")) if isinstance(v, dict)]
    skus = tuple(sku for v in variants if (sku := _sku(v, names, currency, by_variant)) is not None)
    if not skus:
        raise NotSupported("product has no variant with a price", provider=MARKETPLACE, raw=data)
    handle = str(data.get("handle") or "")
    first_image = images[0].get("src") if images else as_dict(data.get("image")).get("src")
    return Product(
        marketplace=MARKETPLACE,
        external_id=str(data["id"]),
        title=clean_text(str(data.get("title") or ""), TITLE_MAX),
        skus=skus,
        url=f"{store_url}/products/{handle}" if handle else None,
        description=clean_text(str(data.get("body_html") or ""), DESCRIPTION_MAX),
        image_url=str(first_image) if first_image else None,
        category=clean_text(str(data.get("product_type") or ""), 200),
        brand=clean_text(str(data.get("vendor") or ""), 200),
        seller=urlsplit(store_url).hostname or "",
        raw=data,
    )


def _sku(
    variant: dict[str, Any], names: list[str], currency: str, by_variant: dict[str, str]
) -> Sku | None:
    price = positive_decimal(variant.get("price"))
    if price is None:
        return None
    regular = positive_decimal(variant.get("compare_at_price"))
    if regular is not None and regular > price:
        offer = Offer(regular, currency, Promotion(price, currency, label=SALE_LABEL))
    else:
        offer = Offer(price, currency)
    grams = integer(variant.get("grams"))
    image = as_dict(variant.get("featured_image")).get("src") or by_variant.get(
        str(variant.get("id"))
    )
    return Sku(
        external_id=str(variant.get("id") or ""),
        offer=offer,
        availability=(
            Availability.OUT_OF_STOCK
            if variant.get("available") is False
            else Availability.IN_STOCK
        ),
        attributes=_attributes(variant, names),
        weight_grams=grams if grams and grams > 0 else None,
        image_url=str(image) if image else None,
        raw=variant,
    )


def _attributes(variant: dict[str, Any], names: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for index in range(3):
        value = variant.get(f"option{index + 1}")
        if value is None or str(value).strip() == "":
            continue
        name = names[index] if index < len(names) else f"option{index + 1}"
        if (name, str(value)) != PLACEHOLDER_OPTION:
            found[name] = str(value)
    return found


def _option_names(options: Any) -> list[str]:
    """Option names in position order (objects with name/position, or plain strings)."""
    entries = as_list(options)
    if all(isinstance(entry, dict) for entry in entries):
        ordered = sorted(entries, key=lambda entry: integer(entry.get("position")) or 0)
        return [str(entry.get("name") or "") for entry in ordered]
    return [str(entry) for entry in entries]
