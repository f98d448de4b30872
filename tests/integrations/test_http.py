"""The shared HTTP client: what is retried, how long it waits, the rate limit and the breaker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from integrations.errors import (
    AuthFailed,
    CircuitOpen,
    NetworkError,
    NotFound,
    RateLimited,
    ServerError,
    Timeout,
)
from integrations.http import HttpClient, Policy, Response
from tests.support import Clock, serving


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[str]]]:
    plan: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        step = plan.pop(0) if plan else "ok"
        if step == "slow":
            await asyncio.sleep(2)
        if step.isdigit():
            headers = {"Retry-After": "7"} if step == "429" else {}
            return web.Response(status=int(step), headers=headers, text="nope")
        if step == "garbage":
            return web.Response(text="<html>busy</html>")
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/x", handle)
    async with serving(app) as base:
        yield f"{base}/x", plan


def client(clock: Clock, **policy: float) -> HttpClient:
    values = {"retries": 3, "backoff": 1.0, "rate": 0, "timeout": 0.5} | policy
    return HttpClient(default=Policy(**values), sleep=clock.sleep, clock=clock, jitter=lambda: 1.0)  # type: ignore[arg-type]


def as_json(response: Response) -> object:
    return response.json("test")


async def test_unavailable_is_retried_with_backoff(server: tuple[str, list[str]]) -> None:
    url, plan = server
    clock = Clock()
    http = client(clock)
    plan += ["500", "garbage", "503"]
    assert await http.call("p", "GET", url, parse=as_json) == {"ok": True}
    assert clock.sleeps == [1.0, 2.0, 4.0]  # exponential, jitter pinned to its ceiling
    await http.close()


async def test_retry_after_is_honoured_and_exhaustion_raises(server: tuple[str, list[str]]) -> None:
    url, plan = server
    clock = Clock()
    http = client(clock, retries=1)
    plan += ["429", "429"]
    with pytest.raises(RateLimited) as err:
        await http.call("p", "GET", url, parse=as_json)
    assert clock.sleeps == [7.0] and err.value.retry_after == 7.0
    await http.close()


@pytest.mark.parametrize(("status", "error"), [("401", AuthFailed), ("404", NotFound)])
async def test_rejected_is_not_retried(
    server: tuple[str, list[str]], status: str, error: type
) -> None:
    url, plan = server
    clock = Clock()
    http = client(clock)
    plan.append(status)
    with pytest.raises(error):
        await http.call("p", "GET", url, parse=as_json)
    assert clock.sleeps == [] and plan == []
    await http.close()


async def test_timeouts_and_refused_connections_are_unavailable(
    server: tuple[str, list[str]],
) -> None:
    url, plan = server
    http = client(Clock(), retries=0, timeout=0.2)
    plan.append("slow")
    with pytest.raises(Timeout):
        await http.call("p", "GET", url, parse=as_json)
    with pytest.raises(NetworkError):
        await http.call("p", "GET", "http://127.0.0.1:1/", parse=as_json)
    await http.close()


async def test_breaker_opens_then_lets_one_trial_through(server: tuple[str, list[str]]) -> None:
    url, plan = server
    clock = Clock()
    http = client(clock, retries=0, breaker_failures=3, breaker_cooldown=30)
    plan += ["500"] * 3
    for _ in range(3):
        with pytest.raises(ServerError):
            await http.call("p", "GET", url, parse=as_json)
    assert http.breaker_open("p")
    with pytest.raises(CircuitOpen):  # no request is made while open
        await http.call("p", "GET", url, parse=as_json)
    clock.now += 31
    plan.append("500")  # the trial fails: open again at once
    with pytest.raises(ServerError):
        await http.call("p", "GET", url, parse=as_json)
    with pytest.raises(CircuitOpen):
        await http.call("p", "GET", url, parse=as_json)
    clock.now += 31
    assert await http.call("p", "GET", url, parse=as_json) == {"ok": True}
    assert not http.breaker_open("p")
    assert await http.call("other", "GET", url, parse=as_json) == {"ok": True}
    await http.close()


async def test_rate_limit_paces_requests(server: tuple[str, list[str]]) -> None:
    url, _ = server
    clock = Clock()
    http = client(clock, rate=2, burst=2)
    for _ in range(6):
        await http.call("p", "GET", url, parse=as_json)
    # two free (the burst), then one every half second
    assert sum(clock.sleeps) == pytest.approx(2.0)
    await http.close()


async def test_a_trial_that_ends_without_a_verdict_does_not_jam_the_breaker(
    server: tuple[str, list[str]],
) -> None:
    url, plan = server
    clock = Clock()
    http = client(clock, retries=0, breaker_failures=1, breaker_cooldown=30)

    def refused_in_body(response: Response) -> object:
        raise NotFound("no such item (said in a 200)", provider="p")

    async def open_breaker() -> None:
        plan.append("500")
        with pytest.raises(ServerError):
            await http.call("p", "GET", url, parse=as_json)
        clock.now += 31  # the next call is the trial

    await open_breaker()
    with pytest.raises(NotFound):  # the trial's answer is a refusal: the provider is up
        await http.call("p", "GET", url, parse=refused_in_body)
    assert not http.breaker_open("p")
    await open_breaker()
    plan.append("slow")
    trial = asyncio.ensure_future(http.call("p", "GET", url, parse=as_json))
    await asyncio.sleep(0.1)
    trial.cancel()  # shutting down mid-trial
    with pytest.raises(asyncio.CancelledError):
        await trial
    assert await http.call("p", "GET", url, parse=as_json) == {"ok": True}  # a new trial
    await http.close()
