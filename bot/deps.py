"""What every handler, web route and job needs, built once per process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.cache import TtlCache
from bot.config import Settings, provider_env
from bot.db import create_engine, session_factory
from bot.metrics import Metrics
from integrations.http import HttpClient

if TYPE_CHECKING:
    from redis.asyncio import Redis


@dataclass
class Deps:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis | None = None
    metrics: Metrics = field(default_factory=Metrics)
    http: HttpClient = field(default_factory=HttpClient)
    # Provider credentials (<PROVIDER>_... variables) from the environment and .env.
    provider_env: Mapping[str, str] = field(default_factory=dict)
    # Popular searches and today's rates, reused for a few seconds (see bot/cache.py).
    answers: TtlCache = field(default_factory=lambda: TtlCache(ttl=30, size=2048))

    @classmethod
    def create(cls, settings: Settings) -> Deps:
        engine = create_engine(settings.database_url)
        redis = None
        if settings.redis_url:
            from redis.asyncio import Redis

            redis = Redis.from_url(settings.redis_url)
        return cls(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            redis=redis,
            provider_env=provider_env(),
        )

    async def close(self) -> None:
        await self.http.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()
