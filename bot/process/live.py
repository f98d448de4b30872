"""Prices and stock asked of the marketplaces live, within a time bound.

Opening the cart, starting a payment and reviewing a paid order want today's price, not the last
sync's. Each product is fetched through its marketplace adapter (all at once, LIVE_SECONDS at
most) and stored like a pasted link; a product the marketplace no longer has becomes unavailable.
What could not be asked (no credentials for that marketplace, a timeout, an outage) keeps its
catalog data, reported as stale so the shopper sees its date instead of a false "live".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import models
from bot.db import utcnow
from bot.services import catalog
from integrations import registry
from integrations.errors import IntegrationError, NotFound
from integrations.http import HttpClient
from integrations.types import Product

log = logging.getLogger(__name__)

LIVE_SECONDS = 5.0
Key = tuple[str, str]  # (marketplace, external id)


@dataclass
class Freshness:
    live: set[Key] = field(default_factory=set)  # asked just now
    gone: set[Key] = field(default_factory=set)  # the marketplace no longer has it
    stale: set[Key] = field(default_factory=set)  # could not be asked: catalog data


async def refresh(
    sessions: async_sessionmaker[AsyncSession],
    env: Mapping[str, str],
    http: HttpClient,
    keys: Iterable[Key],
    seconds: float = LIVE_SECONDS,
) -> Freshness:
    wanted = sorted(set(keys))
    fresh = Freshness()
    if not wanted:
        return fresh
    tasks = {key: asyncio.ensure_future(_fetch(key, env, http)) for key in wanted}
    await asyncio.wait(tasks.values(), timeout=seconds)
    fetched: list[Product] = []
    for key, task in tasks.items():
        if not task.done():
            task.cancel()
            fresh.stale.add(key)
        elif task.exception() is not None:
            (fresh.gone if isinstance(task.exception(), NotFound) else fresh.stale).add(key)
        elif (product := task.result()) is not None:
            fetched.append(product)
            fresh.live.add(key)
        else:
            fresh.stale.add(key)
    if fetched or fresh.gone:
        async with sessions.begin() as session:
            await _store(session, fetched, fresh.gone)
    return fresh


async def _fetch(key: Key, env: Mapping[str, str], http: HttpClient) -> Product | None:
    marketplace, external_id = key
    try:
        adapter = registry.create(marketplace, env, http)
    except IntegrationError:
        return None  # not configured here (the demo catalog): catalog data, labelled stale
    try:
        return await adapter.item(external_id)
    except NotFound:
        raise
    except IntegrationError as exc:
        log.info("live check of %s %s: %r", marketplace, external_id, exc)
        return None


async def _store(session: AsyncSession, fetched: list[Product], gone: set[Key]) -> None:
    for product in fetched:  # each keeps the source that listed it
        source = await session.scalar(
            select(models.Product.source).where(
                models.Product.marketplace == product.marketplace,
                models.Product.external_id == product.external_id,
            )
        )
        await catalog.upsert(session, [product], source=source or "link")
    for marketplace, external_id in gone:
        await session.execute(
            update(models.Product)
            .where(
                models.Product.marketplace == marketplace,
                models.Product.external_id == external_id,
            )
            .values(available=False, updated_at=utcnow())
        )
