"""Google Merchant Center feeds from a URL or a file: how independent stores come in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from integrations.base import Capability, Manifest, MarketplaceBase
from integrations.errors import NotFound
from integrations.http import HttpClient, Response
from integrations.marketplaces.feed.parse import FeedResult, parse_feed
from integrations.types import Product


class Adapter(MarketplaceBase):
    manifest: ClassVar[Manifest] = Manifest(
        name="feed",
        title="Google Merchant Center feed",
        credentials=("FEED_URL",),
        capabilities=frozenset({Capability.LISTING}),
    )

    def __init__(
        self,
        env: Mapping[str, str],
        http: HttpClient,
        *,
        location: str | None = None,
        marketplace: str = "feed",
        id_prefix: str | None = None,
    ) -> None:
        super().__init__(env, http)
        self.location = location or env.get("FEED_URL", "")
        self.marketplace = marketplace
        self.id_prefix = feed_key(self.location) + ":" if id_prefix is None else id_prefix

    async def fetch(self) -> bytes:
        if self.location.startswith(("http://", "https://")):
            return await self.http.call(self.manifest.name, "GET", self.location, parse=_body)
        return await asyncio.to_thread(_read_file, self.location)

    async def parse(self) -> FeedResult:
        """Fetch and parse the whole feed (off the event loop: a big feed takes seconds)."""
        data = await self.fetch()
        return await asyncio.to_thread(
            parse_feed, data, marketplace=self.marketplace, id_prefix=self.id_prefix
        )

    async def listing(self) -> AsyncIterator[Product]:
        for product in (await self.parse()).products:
            yield product


def _read_file(location: str) -> bytes:
    path = Path(location).expanduser()
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no feed file at {path}", provider="feed") from None
    except OSError as exc:
        raise NotFound(f"cannot read {path}: {exc.strerror}", provider="feed") from None


def _body(response: Response) -> bytes:
    return response.body


def feed_key(location: str) -> str:
    """A short stable name for a feed: its host for a URL, its file name otherwise."""
    if location.startswith(("http://", "https://")):
        return (urlsplit(location).hostname or "feed")[:60]
    return Path(location).stem[:60] or "feed"
