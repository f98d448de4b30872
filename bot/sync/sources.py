"""Sync sources: what `shopbot sync SOURCE` names, turned into batches of products."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import Product as ProductRow
from bot.services.catalog import Index, Known
from bot.sync.engine import BATCH, Batch, SyncSource
from integrations import registry
from integrations.base import Capability, MarketplaceBase
from integrations.errors import CircuitOpen, IntegrationError, NotFound
from integrations.http import HttpClient
from integrations.marketplaces import feed
from integrations.marketplaces.feed.adapter import Adapter as FeedAdapter
from integrations.types import Product

DEMO_FEED = Path(__file__).resolve().parent.parent / "demo" / "catalog.xml"
REFRESH_CONCURRENCY = 4


@dataclass
class FeedSource:
    """A Google Merchant feed: a complete listing of one store. Product groups whose raw bytes
    are what was stored last time are not parsed again (integrations/.../feed/incremental.py)."""

    adapter: FeedAdapter
    name: str
    marketplace: str
    complete: bool = True
    known: dict[str, Known] = field(default_factory=dict)

    def prepare(self, index: Index) -> None:
        self.known = index.known

    def _unchanged(self, key: str, digest: str) -> bool:
        known = self.known.get(key)
        return bool(
            known and known.digest == digest and known.available and known.source == self.name
        )

    async def batches(self) -> AsyncIterator[Batch]:
        async for chunk in feed.read(self.adapter, self._unchanged, BATCH):
            errors = [f"{e.item_id or '?'} (#{e.line_or_index}): {e.message}" for e in chunk.errors]
            yield Batch(
                chunk.products, errors, unchanged=chunk.unchanged, digests=chunk.digests,
                unreadable=chunk.unreadable,
            )  # fmt: skip


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


def source_name(spec: str) -> str:
    """How a source is recorded (products.source, sync_runs, leases, /metrics, logs): a feed
    URL without what may be a credential (a user and password, the query's values), and then
    with a short digest of the whole spec, so feeds that differ only there stay apart.
    Migration 0013 holds a copy: change both or neither."""
    location = spec.removeprefix("feed:")
    parts = urlsplit(location)
    if location == spec or parts.scheme not in ("http", "https") or not parts.hostname:
        return spec[:255]
    if parts.username is None and parts.password is None and not parts.query:
        return spec[:255]
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    query = "&".join(f"{key}=***" for key, _ in parse_qsl(parts.query, keep_blank_values=True))
    digest = hashlib.blake2b(spec.encode(), digest_size=4).hexdigest()
    return f"feed:{urlunsplit((parts.scheme, host, parts.path, query, ''))}#{digest}"[:255]


def make_source(
    spec: str,
    env: Mapping[str, str],
    http: HttpClient,
    sessions: async_sessionmaker[AsyncSession],
    *,
    local_files: bool = False,
) -> SyncSource:
    """`feed:<url-or-path>`, `demo`, or a configured marketplace name -> a sync source; a feed
    file's path only with `local_files` (the command line).

    Raises integrations errors (NotFound for an unknown name, NotConfigured for missing keys).
    """
    if spec == "demo":
        adapter = FeedAdapter(
            env, http, location=str(DEMO_FEED), marketplace="demo", id_prefix="", local_files=True
        )
        return FeedSource(adapter, name="demo", marketplace="demo")
    if spec == "feed":
        spec = f"feed:{env.get('FEED_URL', '')}"
    if spec.startswith("feed:"):
        location = spec.removeprefix("feed:")
        if not location:
            raise NotFound(
                "a feed needs a URL or a path: feed:https://shop.example/feed.xml, or set FEED_URL"
            )
        adapter = FeedAdapter(env, http, location=location, local_files=local_files)
        return FeedSource(adapter, name=source_name(spec), marketplace="feed")
    if spec not in registry.marketplaces():
        names = ", ".join(["feed:<url-or-path>", "demo", *sorted(registry.marketplaces())])
        raise NotFound(f"no source called {spec!r}; sources are {names}")
    provider = registry.create(spec, env, http)
    if provider.has(Capability.LISTING):
        return ListingSource(provider, name=spec, marketplace=provider.manifest.name)
    if provider.has(Capability.ITEM):
        return RefreshSource(provider, spec, provider.manifest.name, sessions)
    raise NotFound(f"{spec} can neither list its catalog nor fetch items", provider=spec)
