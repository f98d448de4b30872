"""The demo catalog: a few hundred products as a Google Merchant feed, loaded on first run."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import catalog
from integrations.marketplaces.feed.parse import parse_feed

log = logging.getLogger(__name__)

CATALOG = Path(__file__).with_name("catalog.xml")
MARKETPLACE = "demo"
BATCH = 200


async def load(sessions: async_sessionmaker[AsyncSession], *, only_if_empty: bool = True) -> int:
    """Load the demo catalog; returns how many products were created or updated."""
    if only_if_empty:
        async with sessions() as session:
            if await catalog.count_products(session) > 0:
                return 0
    result = parse_feed(CATALOG.read_bytes(), marketplace=MARKETPLACE)
    for err in result.errors:
        log.warning("demo catalog item %s: %s", err.item_id, err.message)
    changed = 0
    for start in range(0, len(result.products), BATCH):
        async with sessions.begin() as session:
            counts = await catalog.upsert(session, result.products[start : start + BATCH])
        changed += counts.created + counts.updated
    log.info("demo catalog: %d products loaded", changed)
    return changed
