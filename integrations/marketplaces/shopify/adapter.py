"""One Shopify store through its public storefront JSON (no credentials).

- listing: ``GET /products.json?limit=250&page=N`` until a page is empty. When the store
  answers with a ``Link: <...page_info=...>; rel="next"`` header (cursor pagination), that
  cursor is followed instead (``limit`` + ``page_info`` only, as Shopify requires) until no
  next link is given. A page that brings no product not seen before also ends the walk, so a
  store ignoring ``page`` cannot loop us forever.
- item: ``GET /products/<handle>.json`` -> ``{"product": {...}}``. item() takes the handle
  (what product URLs carry); the Product's external_id is the numeric product id, which is
  stable across handle renames but cannot be fetched by on the public endpoints.
- currency: prices are in the store's currency. SHOPIFY_CURRENCY, when set, is used as is;
  otherwise ``/meta.json``'s ``currency`` is read once; a store without meta.json (4xx) falls
  back to USD. A transient meta.json failure is raised rather than guessed.

SHOPIFY_STORE_URL is the store's public address (product URLs are built on it);
SHOPIFY_API_BASE, when set, is where requests go instead (tests, a proxy).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, urlsplit

from integrations.base import Capability, Manifest, MarketplaceBase
from integrations.errors import AuthFailed, BadRequest, Rejected, ServerError
from integrations.http import HttpClient, Response
from integrations.marketplaces.shopify.parse import parse_product
from integrations.types import Product

log = logging.getLogger(__name__)

DEFAULT_CURRENCY = "USD"
PAGE_SIZE = "250"  # Shopify's maximum
_CURRENCY = re.compile(r"[A-Z]{3}")
_HANDLE = re.compile(r"[^/?#\s.]{1,255}")
_NEXT_LINK = re.compile(r"<([^>]+)>\s*;\s*rel=\"?next\"?", re.I)
# /products/<handle>, optionally under a locale (/en, /zh-cn) and a collection.
PRODUCT_PATH = (
    r"(?:/[a-z]{2}(?:-[a-z]{2,4})?)?(?:/collections/[^/?#\s]+)?/products/(?P<id>[^/?#\s.]+)"
)


class Shopify(MarketplaceBase):
    manifest: ClassVar[Manifest] = Manifest(
        name="shopify",
        title="Shopify store",
        credentials=("SHOPIFY_STORE_URL",),
        capabilities=frozenset({Capability.LISTING, Capability.ITEM, Capability.URLS}),
        optional=("SHOPIFY_CURRENCY",),
    )
    # parse_url is a classmethod and cannot see the configured store, so statically only
    # *.myshopify.com product URLs are recognised. parse_store_url() also knows the
    # configured store's own (custom) domain.
    url_patterns: ClassVar[tuple[re.Pattern[str], ...]] = (
        re.compile(
            rf"^(?:https?://)?[a-z0-9][a-z0-9-]*\.myshopify\.com(?::\d+)?{PRODUCT_PATH}", re.I
        ),
    )

    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        super().__init__(env, http)
        store = env.get("SHOPIFY_STORE_URL", "").strip().rstrip("/")
        self.store_url = store if "://" in store or not store else f"https://{store}"
        self.api_base = self.api_base or self.store_url
        self._currency_setting = env.get("SHOPIFY_CURRENCY", "").strip().upper()
        self._currency: str | None = None
        self._currency_lock = asyncio.Lock()

    @property
    def name(self) -> str:
        return self.manifest.name

    def parse_store_url(self, url: str) -> str | None:
        """The handle in a product URL of the configured store (its own domain included)."""
        parts = urlsplit(url if "://" in url else f"https://{url}")
        hosts = {urlsplit(self.store_url).hostname, urlsplit(self.api_base).hostname}
        if not parts.hostname or parts.hostname.lower() not in hosts - {None}:
            return None
        found = re.fullmatch(PRODUCT_PATH + r"(?:\.json)?/?", parts.path, re.I)
        return found.group("id") if found else None

    async def item(self, external_id: str) -> Product:
        handle = external_id.strip().strip("/")
        if not _HANDLE.fullmatch(handle):
            raise BadRequest(f"not a product handle: {external_id!r}", provider=self.name)
        currency = await self.currency()
        url = f"{self.api_base}/products/{quote(handle, safe='%')}.json"
        data = await self.http.call(self.name, "GET", url, parse=self._product_answer)
        return parse_product(data, currency=currency, store_url=self.store_url)

    async def listing(self) -> AsyncIterator[Product]:
        currency = await self.currency()
        seen: set[str] = set()
        page = 1
        params = {"limit": PAGE_SIZE, "page": str(page)}
        while True:
            products, cursor = await self.http.call(
                self.name, "GET", f"{self.api_base}/products.json", parse=self._page_answer,
                params=params,
            )  # fmt: skip
            fresh = [data for data in products if str(data.get("id")) not in seen]
            if not fresh:
                return
            for data in fresh:
                seen.add(str(data.get("id")))
                product = self._listed(data, currency)
                if product is not None:
                    yield product
            if cursor:
                params = {"limit": PAGE_SIZE, "page_info": cursor}
            elif "page_info" in params:
                return  # cursor pagination ended: no next link
            else:
                page += 1
                params = {"limit": PAGE_SIZE, "page": str(page)}

    async def currency(self) -> str:
        """The store's currency: SHOPIFY_CURRENCY, else /meta.json, else USD."""
        if self._currency is not None:
            return self._currency
        async with self._currency_lock:
            if self._currency is None:
                self._currency = await self._find_currency()
        return self._currency

    async def _find_currency(self) -> str:
        if self._currency_setting:
            if not _CURRENCY.fullmatch(self._currency_setting):
                raise BadRequest(
                    f"SHOPIFY_CURRENCY {self._currency_setting!r} is not an ISO 4217 code",
                    provider=self.name,
                )
            return self._currency_setting
        url = f"{self.api_base}/meta.json"
        try:
            found = await self.http.call(self.name, "GET", url, parse=self._meta_currency)
        except Rejected:
            found = None
        return found or DEFAULT_CURRENCY

    def _listed(self, data: dict[str, Any], currency: str) -> Product | None:
        """One listed product; a product that cannot be used is logged and skipped."""
        try:
            return parse_product(data, currency=currency, store_url=self.store_url)
        except Rejected as exc:
            log.warning("shopify: product %s skipped: %s", data.get("id"), exc)
            return None

    def _json(self, response: Response) -> Any:
        if urlsplit(response.url).path.rstrip("/").endswith("/password"):
            raise AuthFailed("store is password protected", provider=self.name, code="password")
        return response.json(self.name)

    def _meta_currency(self, response: Response) -> str | None:
        body = self._json(response)
        value = str(body.get("currency") or "").upper() if isinstance(body, dict) else ""
        return value if _CURRENCY.fullmatch(value) else None

    def _product_answer(self, response: Response) -> dict[str, Any]:
        body = self._json(response)
        product = body.get("product") if isinstance(body, dict) else None
        if not isinstance(product, dict):
            raise ServerError("answer has no product object", provider=self.name, raw=body)
        return product

    def _page_answer(self, response: Response) -> tuple[list[dict[str, Any]], str | None]:
        body = self._json(response)
        products = body.get("products") if isinstance(body, dict) else None
        if not isinstance(products, list):
            raise ServerError("answer has no products list", provider=self.name, raw=body)
        listed = [data for data in products if isinstance(data, dict)]
        return listed, _next_cursor(response.headers)


def _next_cursor(headers: Mapping[str, str]) -> str | None:
    """The page_info of the rel="next" Link, if the store paginates by cursor."""
    link = next((value for key, value in headers.items() if key.lower() == "link"), "")
    for found in _NEXT_LINK.finditer(link):
        cursor = parse_qs(urlsplit(found.group(1)).query).get("page_info")
        if cursor:
            return cursor[0]
    return None
