"""Protocols every provider implements, their capability flags and manifests."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Protocol, runtime_checkable
from urllib.parse import urlsplit

from integrations.errors import NotSupported
from integrations.http import HttpClient
from integrations.types import Product


class Capability(StrEnum):
    SEARCH = "search"  # keyword search
    ITEM = "item"  # one item's detail by id
    LISTING = "listing"  # the whole catalog (feeds, stores)
    CHANGES = "changes"  # only what changed since a moment (incremental sync)
    URLS = "urls"  # recognise the provider's product URLs


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a provider is, what it needs and what it can do."""

    name: str
    title: str
    credentials: tuple[str, ...] = ()  # environment variables that must be set
    capabilities: frozenset[Capability] = field(default_factory=frozenset)
    optional: tuple[str, ...] = ()  # environment variables read when present
    api_base: str = ""  # default; <NAME>_API_BASE overrides it

    @property
    def env_prefix(self) -> str:
        return self.name.upper()

    def missing(self, env: Mapping[str, str]) -> list[str]:
        """Required credentials not set in `env`."""
        return [name for name in self.credentials if not env.get(name)]


@runtime_checkable
class Marketplace(Protocol):
    manifest: ClassVar[Manifest]

    def has(self, capability: Capability) -> bool: ...

    async def search(self, query: str, *, page: int = 1, page_size: int = 20) -> list[Product]: ...

    async def item(self, external_id: str) -> Product: ...

    def listing(self) -> AsyncIterator[Product]: ...

    def changes(self, since: datetime) -> AsyncIterator[Product]: ...


class MarketplaceBase:
    """Shared behaviour: configuration, the HTTP client, URL recognition, and NotSupported for
    whatever a provider cannot do. A provider is a thin subclass declaring its manifest."""

    manifest: ClassVar[Manifest]
    # Product URLs: each pattern is searched in the URL and names the item id as group "id".
    url_patterns: ClassVar[tuple[re.Pattern[str], ...]] = ()
    # Hosts of short links that only a request can expand (m.tb.cn).
    short_link_hosts: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def parse_url(cls, url: str) -> str | None:
        """The item id in one of this provider's product URLs, without any network call."""
        for pattern in cls.url_patterns:
            found = pattern.search(url)
            if found:
                return found.group("id")
        return None

    @classmethod
    def is_short_link(cls, url: str) -> bool:
        host = urlsplit(url if "://" in url else f"https://{url}").hostname or ""
        return host.lower() in cls.short_link_hosts

    async def expand_short_link(self, url: str) -> str | None:
        """The item id behind a short link; needs the network."""
        raise self._unsupported("short links")

    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        self.env, self.http = env, http
        self.api_base = (
            env.get(f"{self.manifest.env_prefix}_API_BASE") or self.manifest.api_base
        ).rstrip("/")

    def has(self, capability: Capability) -> bool:
        return capability in self.manifest.capabilities

    def _unsupported(self, what: str) -> NotSupported:
        return NotSupported(f"{what} is not supported", provider=self.manifest.name)

    async def search(self, query: str, *, page: int = 1, page_size: int = 20) -> list[Product]:
        raise self._unsupported("search")

    async def item(self, external_id: str) -> Product:
        raise self._unsupported("item detail")

    def listing(self) -> AsyncIterator[Product]:
        raise self._unsupported("full listing")

    def changes(self, since: datetime) -> AsyncIterator[Product]:
        raise self._unsupported("incremental changes")


@runtime_checkable
class Courier(Protocol):
    manifest: ClassVar[Manifest]
