"""Handled update ids: each update is handled once, by this process or the next one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import event, select

from bot.db import create_engine, session_factory
from bot.models import HandledUpdate
from bot.process.deps import Deps
from bot.process.handled import Handled


class Counter:
    """Handles an update by counting it (and, when told to, failing or waiting)."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.gate: asyncio.Event | None = None

    def handler(self, update_id: int, ok: bool = True) -> Callable[[], Awaitable[bool]]:
        async def handle() -> bool:
            self.calls.append(update_id)
            if self.gate is not None:
                await self.gate.wait()
            return ok

        return handle


async def recorded(deps: Deps) -> list[int]:
    async with deps.sessions() as s:
        return list((await s.execute(select(HandledUpdate.update_id))).scalars())


async def test_a_crowd_is_written_in_one_transaction_when_the_process_stops(deps: Deps) -> None:
    handled, counter = Handled(deps.sessions), Counter()
    writes: list[str] = []
    engine = deps.sessions.kw["bind"].sync_engine
    listen = lambda *args: writes.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert (
            await asyncio.gather(*(handled.once(i, counter.handler(i)) for i in range(1, 51)))
            == [True] * 50
        )
        await handled.close()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert sorted(await recorded(deps)) == list(range(1, 51))
    assert len([w for w in writes if w.lstrip().upper().startswith("INSERT")]) == 1


async def test_a_delivery_again_is_not_handled_again_before_or_after_the_write(
    deps: Deps,
) -> None:
    handled, counter = Handled(deps.sessions), Counter()
    assert await handled.once(7, counter.handler(7))
    assert await handled.once(7, counter.handler(7))  # before the write: remembered
    await handled.close()
    assert await handled.once(7, counter.handler(7))  # after it
    assert counter.calls == [7]


async def test_the_next_process_does_not_answer_what_this_one_did(deps: Deps) -> None:
    first, counter = Handled(deps.sessions), Counter()
    for i in (10, 12, 14):
        await first.once(i, counter.handler(i))
    await first.close()
    second = Handled(deps.sessions)
    for i in (10, 11, 12, 13, 14, 15):  # 11 and 13 were never handled: they are now
        assert await second.once(i, counter.handler(i))
    await second.close()
    assert counter.calls == [10, 12, 14, 11, 13, 15]


async def test_a_delivery_during_the_first_waits_for_its_outcome(deps: Deps) -> None:
    handled, counter = Handled(deps.sessions), Counter()
    counter.gate = asyncio.Event()
    first = asyncio.ensure_future(handled.once(3, counter.handler(3, ok=False)))
    await asyncio.sleep(0.01)
    again = asyncio.ensure_future(handled.once(3, counter.handler(3)))
    await asyncio.sleep(0.01)
    counter.gate.set()
    assert await first is False and await again is False  # the first must come again
    counter.gate = None
    assert await handled.once(3, counter.handler(3))  # and does, and is handled
    await handled.close()
    assert counter.calls == [3, 3]


async def test_an_update_left_to_come_again_is_not_written_down(deps: Deps) -> None:
    handled, counter = Handled(deps.sessions), Counter()
    assert not await handled.once(5, counter.handler(5, ok=False))
    await handled.close()
    assert await recorded(deps) == []


async def test_without_a_database_the_update_must_come_again(deps: Deps) -> None:
    """Whether it was handled cannot be known: it is not handled, and Telegram keeps it."""
    broken = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    counter = Counter()
    try:
        assert not await Handled(session_factory(broken)).once(1, counter.handler(1))
    finally:
        await broken.dispose()
    assert counter.calls == []


async def test_a_record_that_cannot_be_written_is_logged_and_the_answer_stands(
    deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    handled, counter = Handled(deps.sessions), Counter()
    await handled.once(1, counter.handler(1))  # the floor is read while the database is there
    broken = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    handled.sessions = session_factory(broken)
    try:
        assert await handled.once(2, counter.handler(2))
        await handled.close()
    finally:
        await broken.dispose()
    assert "handled update ids not recorded" in caplog.text
    assert counter.calls == [1, 2]
