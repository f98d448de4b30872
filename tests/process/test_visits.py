"""Visits: many updates' user writes in few transactions, and every caller hears the outcome."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.db import create_engine, session_factory
from bot.models import User
from bot.process.deps import Deps
from bot.process.visits import Visits
from bot.services import users


async def test_a_crowd_of_visits_is_written_in_a_few_transactions(deps: Deps) -> None:
    visits = Visits(deps.sessions)
    ids = [i % 150 + 1 for i in range(300)]  # 150 shoppers, two updates each
    rows = await asyncio.gather(*(visits.record(i, "ru" if i % 2 else "en") for i in ids))
    assert [user.id for user, _ in rows] == ids
    assert all(user.telegram_language == ("ru" if user.id % 2 else "en") for user, _ in rows)
    assert all(generation is not None for _, generation in rows)
    assert visits.batches == 1  # all came before the write began: one transaction
    async with deps.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == 150


async def test_the_latest_language_of_a_shopper_wins_within_a_batch(deps: Deps) -> None:
    visits = Visits(deps.sessions)
    first = asyncio.ensure_future(visits.record(1, "en"))
    await asyncio.sleep(0)  # the first batch is being written
    again = [asyncio.ensure_future(visits.record(2, lang)) for lang in ("en", "de", "ru")]
    await first
    rows = await asyncio.gather(*again)
    assert {user.telegram_language for user, _ in rows} == {"ru"}


async def test_a_failed_batch_fails_each_of_its_visits_and_the_next_one_works(
    deps: Deps,
) -> None:
    broken = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    visits = Visits(session_factory(broken))
    try:
        outcomes = await asyncio.gather(
            *(visits.record(i, "en") for i in range(1, 4)), return_exceptions=True
        )
        assert all(isinstance(o, OSError) for o in outcomes)
    finally:
        await broken.dispose()
    visits.sessions = deps.sessions
    user, _ = await visits.record(1, "en")
    assert user.id == 1


@pytest.mark.parametrize("when", ["before the write began", "during the write"])
async def test_shutting_down_leaves_nobody_waiting(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    writing = asyncio.Event()

    async def slow_write(*_: object) -> dict[int, User]:
        writing.set()
        await asyncio.Event().wait()  # a write that never finishes
        raise AssertionError

    monkeypatch.setattr(users, "touch_many", slow_write)
    visits = Visits(deps.sessions)
    waiting = [asyncio.ensure_future(visits.record(i, "en")) for i in (1, 2)]
    await asyncio.sleep(0)  # the writer is created, not started
    if when == "during the write":
        await writing.wait()
        waiting.append(asyncio.ensure_future(visits.record(3, "en")))  # queued for the next
        await asyncio.sleep(0)
    assert visits._writer is not None
    visits._writer.cancel()
    async with asyncio.timeout(5):
        outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(o, RuntimeError) and "not recorded" in str(o) for o in outcomes)
    monkeypatch.undo()
    user, _ = await visits.record(4, "en")  # and it keeps working afterwards
    assert user.id == 4


async def test_a_visit_right_after_the_last_batch_gets_written_too(deps: Deps) -> None:
    """A shopper's next update can ask for a visit in the moment between the writer's last
    batch and its end being noticed: it must be written, not failed (under load that lost
    messages: "visit not recorded")."""
    visits = Visits(deps.sessions)

    async def two_updates() -> User:
        await visits.record(1, "en")
        user, _ = await visits.record(2, "en")  # resumes before the writer's end is noticed
        return user

    assert (await two_updates()).id == 2
