"""Fixtures the provider tests share: a fast-retrying HttpClient that does not really sleep."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from integrations.http import HttpClient, Policy
from tests.integrations.helpers import FastSleep


@pytest.fixture
def sleep() -> FastSleep:
    return FastSleep()


@pytest.fixture
async def http(sleep: FastSleep) -> AsyncIterator[HttpClient]:
    """Two retries, no backoff, a one-second timeout; waits are recorded in ``sleep``."""
    client = HttpClient(default=Policy(retries=2, backoff=0, timeout=1), sleep=sleep)
    yield client
    await client.close()
