"""Helpers for the provider tests: a fixture that runs a fake, and the retry/error patterns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import pytest

from integrations.errors import RateLimited, ServerError, Timeout
from tests.integrations.fakes.server import FakeServer

Fake = TypeVar("Fake", bound=FakeServer[Any])
Result = TypeVar("Result")
Error = TypeVar("Error", bound=BaseException)

#: Plan steps a gateway gets on every try, and the error the adapter gives up with.
FAILING_EVERY_TIME = [
    ("429", RateLimited),
    ("garbage", ServerError),
    ("shapeless", ServerError),
    ("slow", Timeout),
]


class FastSleep:
    """Records the delays asked for and only yields to the loop."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


def fake_fixture(kind: type[Fake]) -> Callable[[], AsyncIterator[Fake]]:
    """A ``fake`` fixture: a started ``kind()`` for each test, closed after it."""

    @pytest.fixture
    async def fake() -> AsyncIterator[Fake]:
        async with kind() as server:
            yield server

    return fake


async def fails_every_time(
    fake: FakeServer[Any], step: str, call: Awaitable[object], error: type[Error], tries: int = 3
) -> Error:
    """Makes ``step`` happen on every try: ``call`` must raise ``error`` after ``tries`` requests.
    Returns the error for more checks."""
    fake.plan = [step] * tries
    before = len(fake.calls)
    with pytest.raises(error) as caught:
        await call
    assert len(fake.calls) - before == tries
    return caught.value


async def recovers(
    fake: FakeServer[Any], plan: list[str | None], call: Awaitable[Result]
) -> Result:
    """Runs ``plan``: ``call`` must still succeed, with one more request than the plan's steps.
    Returns its result."""
    fake.plan = list(plan)
    before = len(fake.calls)
    result = await call
    assert len(fake.calls) - before == len(plan) + 1
    return result
