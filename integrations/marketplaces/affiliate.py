"""A marketplace's own affiliate link for a product, where its adapter can make one.

Taobao's affiliate (tbk) answers carry it with every item: ``coupon_share_url`` (the coupon's
page, which then opens the item) or ``url`` (the item's click link), both protocol-relative
links on taobao.com, kept in the product's raw payload. Pinduoduo, JD, 1688 and Weidian need
a further call per item to make one (their promotion-URL methods); none is made yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

HOSTS = {"taobao": (".taobao.com", ".tmall.com")}
FIELDS = {"taobao": ("coupon_share_url", "url")}


def affiliate_url(marketplace: str, raw: Mapping[str, Any]) -> str | None:
    """The product's affiliate link on its marketplace, https, or None."""
    for field in FIELDS.get(marketplace, ()):
        value = str(raw.get(field) or "").strip()
        if value.startswith("//"):
            value = "https:" + value
        host = urlsplit(value).hostname or ""
        if value.startswith("https://") and host.endswith(HOSTS[marketplace]):
            return value
    return None
