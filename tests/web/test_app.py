"""The HTTP server: health, metrics, and the Telegram webhook's secret check."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event

from bot.db import create_engine, session_factory
from bot.playground.botapi.server import LocalBotApi
from bot.process.deps import Deps
from bot.telegram.app import ShopbotApplication
from bot.web.app import make_web_app
from bot.web.keys import INTAKE, TELEGRAM

UPDATE = {
    "update_id": 10,
    "message": {
        "message_id": 1,
        "date": 1700000000,
        "chat": {"id": 5, "type": "private", "first_name": "Ann"},
        "from": {"id": 5, "is_bot": False, "first_name": "Ann"},
        "text": "hello",
    },
}


@pytest.fixture
async def client(deps: Deps, app: ShopbotApplication) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_web_app(deps, app))) as c:
        yield c


async def test_healthz_reports_each_dependency(client: TestClient, deps: Deps) -> None:
    resp = await client.get("/healthz")
    body = await resp.json()
    assert resp.status == 200
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body.get("redis") == ("ok" if deps.redis is not None else None)


async def test_healthz_is_503_when_the_database_is_gone(client: TestClient, deps: Deps) -> None:
    from bot.db import create_engine

    real, deps.engine = deps.engine, create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        resp = await client.get("/healthz")
        assert resp.status == 503
        assert (await resp.json())["database"] == "error"
    finally:
        await deps.engine.dispose()
        deps.engine = real


async def test_metrics_are_prometheus_text(client: TestClient) -> None:
    resp = await client.get("/metrics")
    text = await resp.text()
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert "# TYPE shopbot_updates_total counter" in text
    assert "shopbot_update_seconds_bucket" in text
    # the standard process and runtime metrics too
    assert "process_cpu_seconds_total" in text and "python_gc_objects_collected_total" in text


async def test_many_scrapes_read_the_sync_runs_once(client: TestClient, deps: Deps) -> None:
    reads: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "sync_runs" in statement:
            reads.append(statement)

    event.listen(deps.engine.sync_engine, "before_cursor_execute", count)
    try:
        answers = await asyncio.gather(*(client.get("/metrics") for _ in range(50)))
        assert {a.status for a in answers} == {200}
        await client.get("/metrics")
    finally:
        event.remove(deps.engine.sync_engine, "before_cursor_execute", count)
    assert len(reads) == 1


@pytest.mark.parametrize("secret", [None, "", "wrong"])
async def test_webhook_refuses_a_wrong_secret(
    client: TestClient, deps: Deps, secret: str | None
) -> None:
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    resp = await client.post("/webhooks/telegram", data=json.dumps(UPDATE), headers=headers)
    assert resp.status == 403
    assert client.app[TELEGRAM].update_queue.qsize() == 0
    metrics = await (await client.get("/metrics")).text()
    assert 'shopbot_webhook_rejected_total{endpoint="telegram",reason="secret"}' in metrics


async def test_webhook_answers_an_authentic_update_once_it_is_handled(
    client: TestClient, deps: Deps, botapi: LocalBotApi
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": deps.settings.webhook_secret()}
    botapi.user(5, first_name="Ann")
    resp = await client.post("/webhooks/telegram", data=json.dumps(UPDATE), headers=headers)
    assert resp.status == 200
    (reply,) = botapi.messages(5)  # sent before the 200
    assert "hello" in reply.text  # "Nothing found for “hello”"
    again = await client.post("/webhooks/telegram", data=json.dumps(UPDATE), headers=headers)
    assert again.status == 200 and len(botapi.messages(5)) == 1  # a re-delivery: not twice


async def test_webhook_asks_again_while_the_database_is_away_and_while_stopping(
    client: TestClient, deps: Deps, botapi: LocalBotApi
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": deps.settings.webhook_secret()}
    botapi.user(5, first_name="Ann")
    real = deps.sessions
    broken = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    deps.sessions = deps.visits.sessions = deps.handled.sessions = session_factory(broken)
    try:
        resp = await client.post("/webhooks/telegram", data=json.dumps(UPDATE), headers=headers)
        assert resp.status == 503 and botapi.messages(5) == []  # Telegram delivers it again
    finally:
        deps.sessions = deps.visits.sessions = deps.handled.sessions = real
        await broken.dispose()
    client.app[INTAKE].close()
    resp = await client.post("/webhooks/telegram", data=json.dumps(UPDATE), headers=headers)
    assert resp.status == 503 and botapi.messages(5) == []  # stopping: for the next process


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'{"no_update_id": true}',
        b"\xff\xfe",
        b'{"update_id": 5, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=["not-json", "a-list", "no-update-id", "not-utf8", "nested-deeply"],
)
async def test_webhook_answers_200_to_authentic_garbage(
    client: TestClient, deps: Deps, body: bytes
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": deps.settings.webhook_secret()}
    resp = await client.post("/webhooks/telegram", data=body, headers=headers)
    assert resp.status == 200  # Telegram would otherwise re-send it for a day
    assert client.app[TELEGRAM].update_queue.qsize() == 0
