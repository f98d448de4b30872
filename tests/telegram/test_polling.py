"""Long polling confirms an update only once it is handled: none is lost to an outage or a stop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.db import create_engine, session_factory
from bot.playground.botapi.server import LocalBotApi
from bot.process.deps import Deps
from bot.telegram import polling
from bot.telegram.app import ShopbotApplication


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 (the conditions are other objects' state)
            await asyncio.sleep(0.02)


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(polling, "BACKOFF_SECONDS", (0.05,))
    monkeypatch.setattr(polling, "BUSY_SECONDS", 0.05)


async def test_an_update_met_by_an_outage_is_fetched_again_and_answered_once(
    app: ShopbotApplication, botapi: LocalBotApi, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = botapi.user(8001)
    tries: list[bool] = []
    real_handle = app.handle

    async def counted(update: object) -> bool:
        tries.append(await real_handle(update))
        return tries[-1]

    monkeypatch.setattr(app, "handle", counted)
    real = deps.sessions
    broken = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    deps.sessions = deps.visits.sessions = deps.handled.sessions = session_factory(broken)
    stop = asyncio.Event()
    poller = polling.Poller(app)
    running = asyncio.create_task(poller.run(stop))
    try:
        first = botapi.push_update(botapi.make_message_update(ann, "/help"))
        await until(lambda: len(tries) >= 3)  # tried, failed, tried again ...: still held
        assert botapi.messages(ann.id) == [] and poller.offset == first
        deps.sessions = deps.visits.sessions = deps.handled.sessions = real
        await until(lambda: len(botapi.messages(ann.id)) == 1)
        botapi.push_update(botapi.make_message_update(ann, "/start"))
        await until(lambda: len(botapi.messages(ann.id)) == 2)
    finally:
        deps.sessions = deps.visits.sessions = deps.handled.sessions = real
        stop.set()
        await running
        await broken.dispose()
    assert botapi.messages(ann.id)[0].text.startswith("What I can do")  # answered once, late
    assert tries[:3] == [False, False, False] and tries.count(True) == 2
    pending = await app.bot.get_updates(timeout=0)  # nothing left unconfirmed
    assert [u.update_id for u in pending if u.update_id <= first + 1] == []


async def test_a_stop_finishes_the_updates_in_hand_and_confirms_them(
    app: ShopbotApplication, botapi: LocalBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = botapi.user(8002)
    started, release = asyncio.Event(), asyncio.Event()
    real = app.handle

    async def slow(update: object) -> bool:
        started.set()
        await release.wait()
        return await real(update)

    monkeypatch.setattr(app, "handle", slow)
    stop = asyncio.Event()
    running = asyncio.create_task(polling.Poller(app).run(stop))
    botapi.push_update(botapi.make_message_update(bob, "/help"))
    await started.wait()
    stop.set()  # SIGTERM while the update is in hand
    await asyncio.sleep(0.1)
    assert not running.done()  # waits for it
    release.set()
    await asyncio.wait_for(running, 10)
    assert len(botapi.messages(bob.id)) == 1
    assert await app.bot.get_updates(timeout=0) == ()  # confirmed: not delivered again
