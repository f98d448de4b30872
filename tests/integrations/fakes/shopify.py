"""A fake Shopify storefront (tests only): ``/products.json``, ``/products/<handle>.json``,
``/meta.json`` and the ``/password`` page of a locked store.

Pagination: ``page`` mode serves ``?limit=&page=N`` (limit capped at ``max_limit``, like
Shopify's 250) until an empty page; ``cursor`` mode answers with ``Link: <...page_info=...>;
rel="next"`` headers and refuses ``page_info`` mixed with other parameters, like Shopify.
``plan`` (see server.py) takes a step per request but /password, with Retry-After: 3.
``calls`` records (path, query) of every request.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.integrations.fakes.server import FakeServer


def product(number: int, **overrides: Any) -> dict[str, Any]:
    """A realistic product object of /products.json with two variants."""
    pid = 7_000_000_000_000 + number
    data: dict[str, Any] = {
        "id": pid,
        "title": f"手工青瓷茶杯 {number}号",
        "handle": f"celadon-cup-{number}",
        "body_html": "<p>龙泉青瓷，<strong>手工</strong>拉坯</p><ul><li>容量 120ml</li></ul>",
        "published_at": "2024-05-01T10:00:00+08:00",
        "vendor": "龙泉窑",
        "product_type": "茶具",
        "tags": ["青瓷", "茶杯"],
        "variants": [
            {
                "id": pid * 10 + 1,
                "title": "粉青 / 小号",
                "option1": "粉青",
                "option2": "小号",
                "option3": None,
                "sku": f"CUP-{number}-PS",
                "available": True,
                "price": "128.00",
                "compare_at_price": "168.00",
                "grams": 180,
                "featured_image": None,
                "product_id": pid,
            },
            {
                "id": pid * 10 + 2,
                "title": "梅子青 / 大号",
                "option1": "梅子青",
                "option2": "大号",
                "option3": None,
                "sku": f"CUP-{number}-ML",
                "available": False,
                "price": "158.00",
                "compare_at_price": None,
                "grams": 0,
                "featured_image": {
                    "src": f"https://cdn.shopify.com/s/files/cup-{number}-green.jpg"
                },
                "product_id": pid,
            },
        ],
        "images": [
            {
                "id": pid * 100,
                "src": f"https://cdn.shopify.com/s/files/cup-{number}.jpg",
                "position": 1,
                "variant_ids": [pid * 10 + 1],
            }
        ],
        "options": [
            {"name": "釉色", "position": 1, "values": ["粉青", "梅子青"]},
            {"name": "尺寸", "position": 2, "values": ["小号", "大号"]},
        ],
    }
    return data | overrides


@dataclass
class FakeShopify(FakeServer[tuple[str, dict[str, str]]]):
    garbage_page = "<html><body>Checking your browser</body></html>"

    products: list[dict[str, Any]] = field(
        default_factory=lambda: [product(n) for n in range(1, 6)]
    )
    currency: str | None = "CNY"  # None: no /meta.json (404)
    max_limit: int = 250
    mode: str = "page"  # "cursor", or "stuck" (ignores page: always the first page)
    password: bool = False

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/password", self._password_page)
        router.add_get("/{path:.*}", self._handle)

    def paths(self, path: str) -> list[dict[str, str]]:
        """The queries of the requests made to `path`."""
        return [query for seen, query in self.calls if seen == path]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        self.calls.append((path, dict(request.query)))
        if (misbehaving := await self.misbehave()) is not None:
            return misbehaving
        if self.password:
            raise web.HTTPFound("/password")
        if path == "/meta.json":
            return self._meta()
        if path == "/products.json":
            return self._page(request)
        if path.startswith("/products/") and path.endswith(".json"):
            return self._product(path.removeprefix("/products/").removesuffix(".json"))
        return web.Response(status=404, text="Not Found")

    def _meta(self) -> web.Response:
        if self.currency is None:
            return web.Response(status=404, text="Not Found")
        host = "celadon-tea.myshopify.com"
        return web.json_response(
            {"id": 1, "name": "青瓷茶舍", "currency": self.currency, "myshopify_domain": host}
        )

    def _product(self, handle: str) -> web.Response:
        found = next((p for p in self.products if p["handle"] == handle), None)
        if found is None:
            return web.json_response({"errors": "Not Found"}, status=404)
        return web.json_response({"product": found})

    def _page(self, request: web.Request) -> web.Response:
        query = request.query
        limit = min(int(query.get("limit", "30")), self.max_limit)
        if self.mode == "cursor":
            return self._cursor_page(request, limit)
        start = 0 if self.mode == "stuck" else (int(query.get("page", "1")) - 1) * limit
        return web.json_response({"products": self.products[start : start + limit]})

    def _cursor_page(self, request: web.Request, limit: int) -> web.Response:
        cursor = request.query.get("page_info")
        if cursor is not None and set(request.query) - {"limit", "page_info"}:
            return web.json_response({"errors": {"page": "page cannot be passed"}}, status=400)
        start = int(base64.urlsafe_b64decode(cursor).decode()) if cursor else 0
        headers: dict[str, str] = {}
        links = []
        if start > 0:
            links.append(self._link(max(start - limit, 0), limit, "previous"))
        if start + limit < len(self.products):
            links.append(self._link(start + limit, limit, "next"))
        if links:
            headers["Link"] = ", ".join(links)
        page = self.products[start : start + limit]
        return web.json_response({"products": page}, headers=headers)

    def _link(self, start: int, limit: int, rel: str) -> str:
        cursor = base64.urlsafe_b64encode(str(start).encode()).decode()
        return f'<https://celadon-tea.myshopify.com/products.json?limit={limit}&page_info={cursor}>; rel="{rel}"'

    async def _password_page(self, request: web.Request) -> web.Response:
        self.calls.append(("/password", dict(request.query)))
        return web.Response(text="<html><body>Opening soon</body></html>", content_type="text/html")
