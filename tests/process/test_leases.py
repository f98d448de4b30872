"""Leases: one process of many runs a job, when it is due; a dead holder frees it soon."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import utcnow
from bot.models import SyncRun
from bot.process import leases
from bot.process.deps import Deps
from bot.sync import jobs, runs


async def test_a_lease_has_one_holder_until_it_expires(deps: Deps) -> None:
    async with deps.sessions.begin() as s:
        assert await leases.acquire(s, "sync:x", "a", timedelta(minutes=5))
    async with deps.sessions.begin() as s:
        assert not await leases.acquire(s, "sync:x", "b", timedelta(minutes=5))
        assert not await leases.acquire(s, "sync:x", "a", timedelta(minutes=5))  # held: even by a
        assert await leases.hold(s, "sync:x", "a", utcnow() + timedelta(minutes=5))
        assert not await leases.hold(s, "sync:x", "b", utcnow() + timedelta(minutes=5))
    async with deps.sessions.begin() as s:
        await leases.release(s, "sync:x", "a")
    async with deps.sessions.begin() as s:
        assert await leases.acquire(s, "sync:x", "b", timedelta(minutes=5))


async def test_a_job_runs_once_until_it_is_due_again(deps: Deps) -> None:
    calls: list[str] = []

    async def work(who: str) -> str:
        calls.append(who)
        return who

    every = timedelta(hours=1)
    assert await leases.run_when_due(deps.sessions, "j", "a", every, lambda: work("a")) == (
        True,
        "a",
    )
    assert await leases.run_when_due(deps.sessions, "j", "b", every, lambda: work("b")) == (
        False,
        None,
    )
    assert await leases.run_when_due(deps.sessions, "j", "a", every, lambda: work("a")) == (
        False,
        None,
    )
    assert calls == ["a"]


async def test_a_long_job_keeps_its_lease_and_a_dead_holder_loses_it_soon(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(leases, "HOLD", timedelta(seconds=0.6))
    monkeypatch.setattr(leases, "RENEW_SECONDS", 0.1)
    every = timedelta(hours=6)
    started = asyncio.Event()

    async def long_work() -> None:
        started.set()
        await asyncio.sleep(1.5)  # well past HOLD: only renewals keep the lease

    running = asyncio.create_task(
        leases.run_when_due(deps.sessions, "sync:s", "a", every, long_work)
    )
    await started.wait()
    for _ in range(6):
        await asyncio.sleep(0.2)
        async with deps.sessions.begin() as s:
            assert not await leases.acquire(s, "sync:s", "b", leases.HOLD)
    await running

    # A process that took a job and died: nothing renews, and within HOLD (not the six hours
    # of the interval) another process takes the job over.
    async with deps.sessions.begin() as s:
        assert await leases.acquire(s, "sync:t", "dead", leases.HOLD)
    assert (await leases.run_when_due(deps.sessions, "sync:t", "b", every, long_done))[0] is False
    await asyncio.sleep(0.8)
    assert (await leases.run_when_due(deps.sessions, "sync:t", "b", every, long_done))[0] is True


async def long_done() -> None:
    return None


async def test_a_run_whose_process_stopped_beating_is_marked_failed(deps: Deps) -> None:
    old = utcnow() - runs.SILENT - timedelta(minutes=1)
    async with deps.sessions.begin() as s:
        s.add_all(
            [
                SyncRun(source="dead", status="running", started_at=old, seen_at=old),
                SyncRun(source="alive", status="running", started_at=old, seen_at=utcnow()),
                SyncRun(source="older", status="running", started_at=old),
            ]
        )
    assert await jobs.abandon_dead_runs(deps) == 2
    async with deps.sessions() as s:
        found = {
            r.source: (r.status, r.error) for r in (await s.execute(select(SyncRun))).scalars()
        }
    assert found == {
        "dead": ("failed", runs.ABANDONED),
        "alive": ("running", ""),
        "older": ("failed", runs.ABANDONED),
    }
