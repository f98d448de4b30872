"""`shopbot run` as a process: long polling or webhook, /healthz, and a clean SIGTERM stop."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import aiohttp
import pytest
from sqlalchemy import select

from bot import crypto, models
from bot.config import Settings
from bot.playground.botapi.server import LocalBotApi
from bot.playground.stripe.server import FakeStripe
from bot.process.deps import Deps
from bot.services import cart, catalog, orders, users
from integrations.money import Money
from tests.support import product, store

TOKEN = "123456:PLAYGROUND-TOKEN"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def run_bot(
    settings: Settings, botapi: LocalBotApi
) -> AsyncIterator[Callable[..., asyncio.Future]]:
    procs: list[asyncio.subprocess.Process] = []

    async def start(*args: str, **env: str) -> tuple[asyncio.subprocess.Process, int]:
        port = free_port()
        full_env = {
            "PATH": os.environ.get("PATH", ""),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": botapi.base_url,
            "DATABASE_URL": settings.database_url,
            "HTTP_PORT": str(port),
            **({"REDIS_URL": settings.redis_url} if settings.redis_url else {}),
            **env,
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", *args,
            env=full_env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        procs.append(proc)
        await wait_healthy(port, proc)
        return proc, port

    yield start  # type: ignore[misc]
    for proc in procs:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def wait_healthy(port: int, proc: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            if proc.returncode is not None:
                out = await proc.stdout.read() if proc.stdout else b""
                raise AssertionError(f"shopbot run exited early:\n{out.decode()}")
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("shopbot run never became healthy")


async def stop(proc: asyncio.subprocess.Process) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, out.decode()
    return out.decode()


async def test_long_polling_serves_a_user_and_stops_on_sigterm(
    run_bot: Callable[..., asyncio.Future], botapi: LocalBotApi
) -> None:
    proc, port = await run_bot()
    user = botapi.user(501, language_code="ru")
    botapi.push_update(botapi.make_message_update(user, "/help"))
    call = await botapi.wait_for_call("sendMessage", timeout=15)
    assert call.params["chat_id"] in (501, "501")
    assert "/settings" in botapi.last_message(501).text  # type: ignore[union-attr]
    assert botapi.calls_to("setMyCommands"), "command menu published at start"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
            assert 'shopbot_updates_total{kind="message"} 1.0' in await resp.text()
    log = await stop(proc)
    assert "Traceback" not in log and "stopped" in log


async def test_webhook_mode_checks_the_secret(
    run_bot: Callable[..., asyncio.Future], botapi: LocalBotApi
) -> None:
    proc, port = await run_bot(
        TELEGRAM_WEBHOOK_URL="https://bot.example.org/webhooks/telegram",
        TELEGRAM_WEBHOOK_SECRET="s3cret_token",
    )
    hook = await botapi.wait_for_call("setWebhook", timeout=15, since=0)
    assert len(botapi.calls_to("setWebhook")) == 1
    assert hook.params["url"] == "https://bot.example.org/webhooks/telegram"
    assert hook.params["secret_token"] == "s3cret_token"
    assert not botapi.calls_to("getUpdates")
    user = botapi.user(502)
    update = botapi.make_message_update(user, "/start")
    url = f"http://127.0.0.1:{port}/webhooks/telegram"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=json.dumps(update)) as resp:
            assert resp.status == 403
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret_token"}
        async with http.post(url, data=json.dumps(update), headers=headers) as resp:
            assert resp.status == 200  # once answered: the reply was sent before it
    assert botapi.last_message(502).text.startswith("👋")  # type: ignore[union-attr]
    await stop(proc)


async def test_run_without_token_fails_in_one_line(settings: Settings) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run",
        env={"PATH": os.environ.get("PATH", ""), "DATABASE_URL": settings.database_url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    assert err.decode().strip() == (
        "configuration error: TELEGRAM_BOT_TOKEN: not set (get one from @BotFather)"
    )


REAL_LOOKING_TOKEN = "987654321:AAF-realistic_token-value-0123456789ab"


async def test_debug_logs_carry_no_secret_and_no_update(settings: Settings) -> None:
    async with LocalBotApi(REAL_LOOKING_TOKEN) as api:
        port = free_port()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "TELEGRAM_BOT_TOKEN": REAL_LOOKING_TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram",
            "TELEGRAM_WEBHOOK_SECRET": "wh-s3cret-value",
            "TAOBAO_APP_SECRET": "taobao-s3cret-value",
            "DATABASE_URL": settings.database_url,
            "HTTP_PORT": str(port),
            "LOG_LEVEL": "DEBUG",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        await wait_healthy(port, proc)
        user = api.user(503, first_name="Zebulon")
        update = api.make_message_update(user, "deliver to 12 Quiet Lane")
        headers = {"X-Telegram-Bot-Api-Secret-Token": "wh-s3cret-value"}
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/webhooks/telegram"
            async with http.post(url, data=json.dumps(update), headers=headers) as resp:
                assert resp.status == 200
        assert api.calls_to("sendMessage")
        log = await stop(proc)
    assert "DEBUG" in log  # it did log at DEBUG
    for secret in (REAL_LOOKING_TOKEN, "AAF-realistic", "wh-s3cret-value", "taobao-s3cret-value"):
        assert secret not in log
    assert "12 Quiet Lane" not in log and "Zebulon" not in log  # no update, no SQL parameter


async def test_a_malformed_api_address_is_refused_without_the_token(settings: Settings) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": settings.database_url,
        "TELEGRAM_BOT_TOKEN": REAL_LOOKING_TOKEN,
        "TELEGRAM_API_BASE_URL": "http://api example/bot",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2 and "TELEGRAM_API_BASE_URL" in err.decode()
    assert REAL_LOOKING_TOKEN.split(":")[1] not in (out + err).decode()


async def test_run_says_how_to_fill_an_empty_catalog_and_demo_fills_it(
    run_bot: Callable[..., asyncio.Future], deps: Deps
) -> None:
    proc, _ = await run_bot()
    log = await stop(proc)
    assert "the catalog is empty: load the demo with `shopbot demo`" in log
    proc, _ = await run_bot("--demo")
    log = await stop(proc)
    async with deps.sessions() as s:
        assert await catalog.count_products(s) > 100
    assert "demo products loaded" in log and "the catalog is empty" not in log


async def test_a_paid_stripe_event_alerts_the_shopper_through_the_running_bot(
    run_bot: Callable[..., asyncio.Future], botapi: LocalBotApi, deps: Deps
) -> None:
    """The whole process: webhook verified, payment applied, the alert fed to the running
    Application's queue and sent."""
    botapi.user(503)  # a shopper who has talked to the bot (Telegram refuses any other chat)
    order_id = await pending_order(deps, user_id=503)
    secret = "whsec_runtime"
    proc, port = await run_bot(
        STRIPE_SECRET_KEY="sk_test_runtime", STRIPE_WEBHOOK_SECRET=secret,
        DATA_KEY=crypto.generate_key(),
    )  # fmt: skip
    event = {
        "id": "evt_runtime_1", "object": "event", "type": "checkout.session.completed",
        "created": int(time.time()),
        "data": {"object": {
            "id": "cs_runtime_1", "object": "checkout.session", "payment_status": "paid",
            "status": "complete", "amount_total": 999, "currency": "usd",
            "client_reference_id": str(order_id), "metadata": {"order_id": str(order_id)},
            "payment_intent": "pi_runtime_1",
        }},
    }  # fmt: skip
    body = json.dumps(event).encode()
    headers = {"Stripe-Signature": FakeStripe(secret).sign(body)}
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{port}/webhooks/stripe"
        async with http.post(url, data=body, headers=headers) as resp:
            assert resp.status == 200 and (await resp.json())["outcome"] == "paid"
        async with http.post(url, data=body, headers={"Stripe-Signature": "t=1,v1=00"}) as resp:
            assert resp.status == 400
    call = await botapi.wait_for_call("sendMessage", timeout=15)
    assert call.params["chat_id"] in (503, "503")
    assert botapi.last_message(503).text.startswith(f"✅ Payment received for order #{order_id}")  # type: ignore[union-attr]
    log = await stop(proc)
    assert "Traceback" not in log and "sk_test_runtime" not in log and secret not in log


async def pending_order(deps: Deps, user_id: int) -> int:
    await store(deps, product("rt", "充电线", "15.00"))
    async with deps.sessions.begin() as s:
        await users.touch(s, user_id, "en")
        sku = await s.scalar(select(models.Sku.id))
        assert sku is not None
        await cart.add(s, user_id, sku)
        order = await orders.create(
            s, user_id=user_id, items=(await cart.view(s, user_id)).buyable, quote={},
            charge=Money(Decimal("9.99"), "USD"), country="DE", shipping_line="standard",
            language="en", provider="stripe", expires_at=datetime.now(UTC) + timedelta(minutes=30),
        )  # fmt: skip
        return order.id
