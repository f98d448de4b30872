"""A pasted marketplace link -> the product, fetched live through its adapter and stored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import catalog
from integrations import registry
from integrations.errors import NotFound
from integrations.http import HttpClient
from integrations.types import Product

LINK_SOURCE = "link"


@dataclass(frozen=True, slots=True)
class Opened:
    product: Product
    marketplace_title: str


def find(text: str, limit: int = 3) -> list[registry.Link]:
    return registry.find_links(text, limit=limit)


def title_of(marketplace: str) -> str:
    try:
        return registry.adapter_class(marketplace).manifest.title
    except NotFound:
        return marketplace


async def open_link(
    link: registry.Link,
    env: Mapping[str, str],
    http: HttpClient,
    sessions: async_sessionmaker[AsyncSession],
) -> Opened:
    """Fetch the linked item and store it. Raises integrations errors: NotConfigured when the
    marketplace has no credentials here, NotFound, Unavailable ..."""
    adapter = registry.create(link.marketplace, env, http)
    external_id = link.external_id or await adapter.expand_short_link(link.url)
    if not external_id:
        raise NotFound("the short link does not lead to a product", provider=link.marketplace)
    product = await adapter.item(external_id)
    async with sessions.begin() as session:
        await catalog.upsert(session, [product], source=LINK_SOURCE)
    return Opened(product, adapter.manifest.title)
