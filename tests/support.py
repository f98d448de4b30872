"""What several test modules use: services started and stopped, a local HTTP server, a fast
HttpClient, a hand-moved clock, a product builder and a way to store and search products."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

from aiohttp import web
from sqlalchemy import select

from bot.config import Settings
from bot.models import Product as ProductRow
from bot.process.deps import Deps
from bot.services import catalog, products
from integrations.http import HttpClient, Policy
from integrations.types import Availability, Offer, Product, Sku


@asynccontextmanager
async def started(settings: Settings) -> AsyncIterator[Deps]:
    """A process's services: created, started, closed at the end."""
    d = Deps.create(settings)
    await d.start()
    try:
        yield d
    finally:
        await d.close()


async def _no_sleep(_: float) -> None:
    return None


def fast_http(retries: int = 1, timeout: float = 2.0) -> HttpClient:
    """A real HttpClient whose retries do not wait (for tests against local fakes)."""
    return HttpClient(default=Policy(retries=retries, backoff=0, timeout=timeout), sleep=_no_sleep)


@asynccontextmanager
async def serving(app: web.Application, shutdown_timeout: float = 60.0) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1 at a free port; yields its base URL (http://127.0.0.1:<port>)."""
    runner = web.AppRunner(app, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


class Clock:
    """Virtual time: `now` moves only when a test moves it, or when code sleeps on it (the
    sleep is recorded and advances it instead of waiting)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def product(
    ext: str, title: str, price: str = "10.00", *, category: str = "", stock: bool = True
) -> Product:
    """A one-SKU demo product priced in CNY."""
    availability = Availability.IN_STOCK if stock else Availability.OUT_OF_STOCK
    sku = Sku(f"{ext}-a", Offer(Decimal(price), "CNY"), availability=availability)
    return Product("demo", ext, title, (sku,), url=f"https://x.cn/{ext}", category=category)


async def store(deps: Deps, *items: Product) -> dict[str, int]:
    """Store `items`; returns every stored product's id by external id."""
    async with deps.sessions.begin() as s:
        await catalog.upsert(s, list(items))
    async with deps.sessions() as s:
        return dict((await s.execute(select(ProductRow.external_id, ProductRow.id))).all())


async def found(deps: Deps, query: str, **kw: object) -> list[int]:
    """The ids a search finds, in its order."""
    async with deps.sessions() as s:
        results = await products.search(s, query, **kw)  # type: ignore[arg-type]
    return [h.id for h in results.hits]
