"""A Redis client for the pacer's shared limits (each test keeps its keys under its own prefix,
and every key expires on its own)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

REDIS_URL = os.environ.get("REDIS_URL") or None


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    if not REDIS_URL:
        pytest.skip("REDIS_URL not set")
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()
