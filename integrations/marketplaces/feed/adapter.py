"""Google Merchant Center feeds from a URL or a file: how independent stores come in.

A feed URL is whatever a store or an operator typed, so it is fetched with limits: at most
FEED_MAX_MB megabytes (counted decompressed, as they arrive), from public addresses only, every
redirect checked too (FEED_ALLOW_PRIVATE=1 lifts that, for a feed on the local network). A file
is read only when the caller allows it (`shopbot sync` on the command line), never for a
location that came from elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from integrations.base import Capability, Manifest, MarketplaceBase
from integrations.errors import BadRequest, NotFound, TooLarge
from integrations.http import HttpClient, Policy, Response
from integrations.marketplaces.feed.parse import FeedResult, parse_feed
from integrations.types import Product

DEFAULT_MAX_MB = 100
# A big feed is one long download: minutes, not seconds, and retried only twice.
POLICY = Policy(timeout=300.0, retries=2)
YES = frozenset({"1", "true", "yes", "on"})


class Adapter(MarketplaceBase):
    manifest: ClassVar[Manifest] = Manifest(
        name="feed",
        title="Google Merchant Center feed",
        credentials=("FEED_URL",),
        capabilities=frozenset({Capability.LISTING}),
        optional=("FEED_MAX_MB", "FEED_ALLOW_PRIVATE"),
    )

    def __init__(
        self,
        env: Mapping[str, str],
        http: HttpClient,
        *,
        location: str | None = None,
        marketplace: str = "feed",
        id_prefix: str | None = None,
        local_files: bool = False,
    ) -> None:
        super().__init__(env, http)
        self.location = location or env.get("FEED_URL", "")
        self.marketplace = marketplace
        self.id_prefix = feed_key(self.location) + ":" if id_prefix is None else id_prefix
        self.local_files = local_files
        self.max_bytes = _megabytes(env.get("FEED_MAX_MB")) * 1024 * 1024
        self.public_only = env.get("FEED_ALLOW_PRIVATE", "").strip().lower() not in YES
        http.suggest(self.manifest.name, POLICY)

    async def fetch(self) -> bytes:
        if self.location.startswith(("http://", "https://")):
            return await self.http.call(
                self.manifest.name, "GET", self.location, parse=_body,
                max_bytes=self.max_bytes, public_only=self.public_only,
            )  # fmt: skip
        if not self.local_files:
            raise BadRequest(
                f"{self.location[:200]!r} is not an http(s) URL; feed files are read only by "
                "`shopbot sync` on the command line",
                provider="feed",
            )
        return await asyncio.to_thread(_read_file, self.location, self.max_bytes)

    async def parse(self) -> FeedResult:
        """Fetch and parse the whole feed (off the event loop: a big feed takes seconds)."""
        data = await self.fetch()
        return await asyncio.to_thread(
            parse_feed, data, marketplace=self.marketplace, id_prefix=self.id_prefix
        )

    async def listing(self) -> AsyncIterator[Product]:
        for product in (await self.parse()).products:
            yield product


def _megabytes(value: str | None) -> int:
    if not value:
        return DEFAULT_MAX_MB
    if not value.strip().isdigit() or int(value) < 1:
        raise BadRequest(f"FEED_MAX_MB must be a whole number of megabytes, not {value!r}")
    return int(value)


def _read_file(location: str, max_bytes: int) -> bytes:
    path = Path(location).expanduser()
    try:
        if path.stat().st_size > max_bytes:
            raise TooLarge(f"{path} is over {max_bytes // 2**20} MB (FEED_MAX_MB)", provider="feed")
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
