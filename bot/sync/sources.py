"""Sync sources: what `shopbot sync SOURCE` names, turned into batches of products."""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
from collections import deque
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import Product as ProductRow
from bot.services.catalog import Index, Known
from bot.sync.engine import BATCH, Batch, SyncSource
from integrations import registry
from integrations.base import Capability, MarketplaceBase
from integrations.errors import CircuitOpen, IntegrationError, NotFound
from integrations.http import HttpClient
from integrations.marketplaces.feed import Adapter as FeedAdapter
from integrations.marketplaces.feed import FeedResult, ItemError, parse_feed, raw
from integrations.marketplaces.feed.parse import decode_feed
from integrations.types import Product

PARALLEL_PARSE_ITEMS = 20_000  # below this a thread beats starting worker processes
PARSE_AHEAD = 4  # chunks parsed ahead of the one being stored
_POOL: ProcessPoolExecutor | None = None
DEMO_FEED = Path(__file__).resolve().parent.parent / "demo" / "catalog.xml"
REFRESH_CONCURRENCY = 4


@dataclass
class FeedSource:
    """A Google Merchant feed: a complete listing of one store.

    An XML feed is first cut into raw item groups; groups whose bytes match what was stored
    last time are not parsed at all, the rest are parsed as a smaller feed of their own.
    """

    adapter: FeedAdapter
    name: str
    marketplace: str
    complete: bool = True
    known: dict[str, Known] = field(default_factory=dict)

    def prepare(self, index: Index) -> None:
        self.known = index.known

    async def batches(self) -> AsyncIterator[Batch]:
        data = await self.adapter.fetch()
        text = await asyncio.to_thread(decode_feed, data)
        cut = await asyncio.to_thread(raw.split, text, self.adapter.id_prefix)
        if cut is None:
            result = await asyncio.to_thread(self._parse, data)
            for start in range(0, max(len(result.products), 1), BATCH):
                errors = _errors(result.errors) if start == 0 else []
                yield Batch(result.products[start : start + BATCH], errors)
            return
        todo: dict[str, str] = {}
        unchanged: list[str] = []
        for key, group in cut.groups.items():
            digest = group.digest()
            known = self.known.get(key)
            if known and known.digest == digest and known.available and known.source == self.name:
                unchanged.append(key)
            else:
                todo[key] = digest
        yield Batch(unchanged=unchanged)
        keys = list(todo)
        chunks = [keys[start : start + BATCH] for start in range(0, len(keys), BATCH)]
        items = sum(len(cut.groups[key].spans) for key in keys)
        executor = parse_pool() if items >= PARALLEL_PARSE_ITEMS else None
        loop = asyncio.get_running_loop()
        parse = functools.partial(
            parse_feed, marketplace=self.adapter.marketplace, id_prefix=self.adapter.id_prefix
        )
        in_flight: deque[tuple[list[str], asyncio.Future[FeedResult]]] = deque()
        for chunk in chunks:
            in_flight.append((chunk, loop.run_in_executor(executor, parse, cut.document(chunk))))
            if len(in_flight) >= PARSE_AHEAD:
                yield await self._batch(cut, todo, *in_flight.popleft())
        while in_flight:
            yield await self._batch(cut, todo, *in_flight.popleft())

    async def _batch(
        self,
        cut: raw.RawFeed,
        todo: dict[str, str],
        chunk: list[str],
        parsing: asyncio.Future[FeedResult],
    ) -> Batch:
        result = await parsing
        digests = {key: todo[key] for key in chunk}
        for error in result.errors:  # re-read a group with problems next time, and re-report
            for key in chunk:
                if error.item_id in cut.groups[key].item_ids:
                    digests[key] = ""
        return Batch(result.products, _errors(result.errors), digests=digests)

    def _parse(self, data: bytes) -> FeedResult:
        return parse_feed(
            data, marketplace=self.adapter.marketplace, id_prefix=self.adapter.id_prefix
        )


def parse_pool() -> ProcessPoolExecutor:
    """Worker processes for big feeds: parsing is CPU-bound, and in another process it neither
    competes with the bot for the GIL nor stops the catalog from being written meanwhile."""
    global _POOL
    if _POOL is None:
        workers = max(1, min(2, os.cpu_count() or 1))
        _POOL = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    return _POOL


def _errors(errors: list[ItemError]) -> list[str]:
    return [f"{e.item_id or '?'} (#{e.line_or_index}): {e.message}" for e in errors]


@dataclass
class ListingSource:
    """A provider that can list its whole catalog (a Shopify store)."""

    adapter: MarketplaceBase
    name: str
    marketplace: str
    complete: bool = True

    def prepare(self, index: Index) -> None:
        pass

    async def batches(self) -> AsyncIterator[Batch]:
        batch: list[Product] = []
        async for product in self.adapter.listing():
            batch.append(product)
            if len(batch) >= BATCH:
                yield Batch(batch)
                batch = []
        yield Batch(batch)


@dataclass
class RefreshSource:
    """A marketplace API without a listing: refresh the products already in the catalog."""

    adapter: MarketplaceBase
    name: str
    marketplace: str
    sessions: async_sessionmaker[AsyncSession]
    complete: bool = False

    def prepare(self, index: Index) -> None:
        pass

    async def batches(self) -> AsyncIterator[Batch]:
        async with self.sessions() as session:
            ids = list(
                (
                    await session.execute(
                        select(ProductRow.external_id).where(
                            ProductRow.marketplace == self.marketplace
                        )
                    )
                ).scalars()
            )
        gate = asyncio.Semaphore(REFRESH_CONCURRENCY)
        for start in range(0, len(ids), 200):
            chunk = ids[start : start + 200]
            outcomes = await asyncio.gather(*(self._one(gate, ext) for ext in chunk))
            batch = Batch()
            for ext, outcome in zip(chunk, outcomes, strict=True):
                if isinstance(outcome, Product):
                    batch.products.append(outcome)
                elif isinstance(outcome, NotFound):
                    batch.gone.append(ext)
                else:
                    batch.errors.append(f"{ext}: {outcome}")
            yield batch

    async def _one(self, gate: asyncio.Semaphore, external_id: str) -> Product | IntegrationError:
        async with gate:
            try:
                return await self.adapter.item(external_id)
            except CircuitOpen:
                raise  # the provider is down: stop the run instead of failing every item
            except IntegrationError as exc:
                return exc


def make_source(
    spec: str,
    env: Mapping[str, str],
    http: HttpClient,
    sessions: async_sessionmaker[AsyncSession],
) -> SyncSource:
    """`feed:<url-or-path>`, `demo`, or a configured marketplace name -> a sync source.

    Raises integrations errors (NotFound for an unknown name, NotConfigured for missing keys).
    """
    if spec == "demo":
        adapter = FeedAdapter(env, http, location=str(DEMO_FEED), marketplace="demo", id_prefix="")
        return FeedSource(adapter, name="demo", marketplace="demo")
    if spec == "feed":
        spec = f"feed:{env.get('FEED_URL', '')}"
    if spec.startswith("feed:"):
        location = spec.removeprefix("feed:")
        if not location:
            raise NotFound(
                "a feed needs a URL or a path: feed:https://shop.example/feed.xml, or set FEED_URL"
            )
        adapter = FeedAdapter(env, http, location=location)
        return FeedSource(adapter, name=spec[:255], marketplace="feed")
    provider = registry.create(spec, env, http)
    if provider.has(Capability.LISTING):
        return ListingSource(provider, name=spec, marketplace=provider.manifest.name)
    if provider.has(Capability.ITEM):
        return RefreshSource(provider, spec, provider.manifest.name, sessions)
    raise NotFound(f"{spec} can neither list its catalog nor fetch items", provider=spec)
