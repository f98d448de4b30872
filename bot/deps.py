"""What every handler, web route and job needs, built once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.db import create_engine, session_factory
from bot.metrics import Metrics

if TYPE_CHECKING:
    from redis.asyncio import Redis


@dataclass
class Deps:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis | None = None
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    def create(cls, settings: Settings) -> Deps:
        engine = create_engine(settings.database_url)
        redis = None
        if settings.redis_url:
            from redis.asyncio import Redis

            redis = Redis.from_url(settings.redis_url)
        return cls(settings=settings, engine=engine, sessions=session_factory(engine), redis=redis)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()
