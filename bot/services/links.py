"""A pasted marketplace link -> the product, fetched live through its adapter and stored.

Provider failures come out of here as `LinkFailed` with a `Problem` a shopper can be told,
never as the integration layer's errors.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Product as ProductRow
from bot.services import catalog
from integrations import registry
from integrations.errors import IntegrationError, NotConfigured, NotFound, Unavailable
from integrations.http import HttpClient
from integrations.registry import Link
from integrations.types import Product

log = logging.getLogger(__name__)

LINK_SOURCE = "link"

__all__ = ["Link", "LinkFailed", "Problem", "fetch", "find", "remember"]


class Problem(StrEnum):
    NOT_CONFIGURED = "not_configured"  # this deployment has no access to that marketplace
    NOT_FOUND = "not_found"  # the product is gone
    UNAVAILABLE = "unavailable"  # the marketplace does not answer: try again later
    REFUSED = "refused"  # the marketplace said no


class LinkFailed(Exception):
    def __init__(self, link: Link, problem: Problem) -> None:
        super().__init__(f"{link.marketplace}: {problem}")
        self.link, self.problem = link, problem


def find(text: str, limit: int = 3) -> list[Link]:
    """Product links of any marketplace we know in `text`, in order (no network)."""
    return registry.find_links(text, limit=limit)


async def fetch(link: Link, env: Mapping[str, str], http: HttpClient) -> Product:
    """The linked item, live from its marketplace. Raises LinkFailed."""
    try:
        adapter = registry.create(link.marketplace, env, http)
        external_id = link.external_id or await adapter.expand_short_link(link.url)
        if not external_id:
            raise NotFound("the short link does not lead to a product", provider=link.marketplace)
        return await adapter.item(external_id)
    except IntegrationError as exc:
        log.info("link %s: %r", link.url[:200], exc)
        raise LinkFailed(link, _problem(exc)) from exc


def _problem(exc: IntegrationError) -> Problem:
    if isinstance(exc, NotConfigured):
        return Problem.NOT_CONFIGURED
    if isinstance(exc, NotFound):
        return Problem.NOT_FOUND
    if isinstance(exc, Unavailable):
        return Problem.UNAVAILABLE
    return Problem.REFUSED


async def remember(session: AsyncSession, product: Product) -> int:
    """Store a fetched product in the catalog; returns its id."""
    await catalog.upsert(session, [product], source=LINK_SOURCE)
    found = await session.execute(
        select(ProductRow.id).where(
            ProductRow.marketplace == product.marketplace,
            ProductRow.external_id == product.external_id,
        )
    )
    return int(found.scalar_one())
