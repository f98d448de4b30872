"""The demo catalog: a few hundred products as a Google Merchant feed, loaded on first run."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import catalog
from bot.sync import engine
from bot.sync.sources import make_source
from integrations.http import HttpClient

log = logging.getLogger(__name__)


async def load(sessions: async_sessionmaker[AsyncSession], *, only_if_empty: bool = True) -> int:
    """Sync the demo feed (source "demo"); returns how many products were created or updated."""
    if only_if_empty:
        async with sessions() as session:
            if await catalog.count_products(session) > 0:
                return 0
    http = HttpClient()  # the demo feed is a file: no request is made
    try:
        report = await engine.run(sessions, make_source("demo", {}, http, sessions))
    finally:
        await http.close()
    log.info("%s", report.summary())
    return report.created + report.updated
