"""Find providers by package: every integrations/marketplaces/<name>/ exports `Adapter`."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import integrations.marketplaces as marketplaces_pkg
from integrations.base import Capability, MarketplaceBase
from integrations.errors import NotConfigured, NotFound
from integrations.http import HttpClient

URL_RE = re.compile(r"(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}(?:/[^\s<>\"'，。）)]*)?", re.IGNORECASE)


@cache
def marketplaces() -> dict[str, type[MarketplaceBase]]:
    """Every marketplace adapter shipped, by name."""
    found: dict[str, type[MarketplaceBase]] = {}
    for info in pkgutil.iter_modules(marketplaces_pkg.__path__):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"{marketplaces_pkg.__name__}.{info.name}")
        adapter = getattr(module, "Adapter", None)
        if adapter is not None:
            found[adapter.manifest.name] = adapter
    return found


def adapter_class(name: str) -> type[MarketplaceBase]:
    try:
        return marketplaces()[name]
    except KeyError:
        raise NotFound(f"no marketplace called {name!r}", provider=name) from None


def create(name: str, env: Mapping[str, str], http: HttpClient) -> MarketplaceBase:
    """An adapter configured from `env`; NotConfigured names the missing credentials."""
    cls = adapter_class(name)
    missing = cls.manifest.missing(env)
    if missing:
        raise NotConfigured(cls.manifest.name, missing)
    return cls(env, http)


def configured(env: Mapping[str, str]) -> list[str]:
    return [name for name, cls in marketplaces().items() if not cls.manifest.missing(env)]


@dataclass(frozen=True, slots=True)
class Link:
    """A marketplace product link found in text; `external_id` is None for a short link."""

    marketplace: str
    url: str
    external_id: str | None


def find_links(text: str, limit: int = 5) -> list[Link]:
    """Product links of any known marketplace in free text, in order, without network calls."""
    links: list[Link] = []
    for match in URL_RE.finditer(text):
        url = match.group(0)
        for name, cls in marketplaces().items():
            if Capability.URLS not in cls.manifest.capabilities:
                continue
            item_id = cls.parse_url(url)
            if item_id is not None or cls.is_short_link(url):
                links.append(Link(name, url, item_id))
                break
        if len(links) >= limit:
            break
    return links
