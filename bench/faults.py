"""A fault run: does every shopper's message get its answer, exactly once, through outages?

`shopbot run` serves in webhook mode on PostgreSQL + Redis while 20 shoppers send searches at
about 10 a second. This script plays Telegram: the local Bot API server receives the bot's
calls, and a delivery loop POSTs each update to the webhook, delivering it again (as Telegram
does) until it is answered 200. Meanwhile, in turn:

1. PostgreSQL is stopped for 20 seconds, then started again;
2. PostgreSQL is frozen (SIGSTOP) for 20 seconds, then thawed: nothing answers, nothing fails;
3. the bot gets SIGTERM under traffic, and a new process is started once it has exited;
4. the bot is killed (SIGKILL) mid-stream, and started again.

Then traffic stops, every update is delivered, and the script counts, per message, the bot's
answers (a search answer quotes the message it answers): answered once, never, or more.

It stops and starts the machine's PostgreSQL (pg_ctlcluster), so it runs only when asked:
`.venv/bin/python bench/faults.py --stop-postgresql` (BENCH_PG_URL, BENCH_REDIS_URL override
the servers; the database shopbot_bench_faults is dropped and created).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.db import create_engine
from bot.playground.botapi.server import LocalBotApi

PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/shopbot_bench_faults"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TOKEN = "987654321:AAF-fault-run-token-0123456789abcdefg"
SECRET = "fault-run-secret"
SHOPPERS = 20
RATE = 10.0  # messages a second, all shoppers together
QUERIES = ["手机壳", "phone case", "hoodie", "чехол", "耳机", "zzqx nothing", "保温杯", "dress"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def freeze_pg(sig: int) -> None:
    """SIGSTOP or SIGCONT every process of the postgres user (the server and its backends)."""
    pids = subprocess.run(["pgrep", "-u", "postgres"], capture_output=True, text=True).stdout
    for pid in pids.split():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), sig)


def pg(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action], check=True
    )


async def fresh_database() -> None:
    url = make_url(PG_URL)
    admin = create_engine(
        url.set(database="postgres").render_as_string(False), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    await admin.dispose()


class Bot:
    """The `shopbot run` process, started again as often as asked."""

    def __init__(self, api: LocalBotApi, port: int) -> None:
        self.api, self.port = api, port
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = open("/tmp/shopbot-faults.log", "ab")

    async def start(self) -> None:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": self.api.base_url,
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "DATABASE_URL": PG_URL,
            "REDIS_URL": REDIS_URL,
            "HTTP_PORT": str(self.port),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--demo"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("the bot did not become healthy")

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    async def exited(self) -> int:
        assert self.proc is not None
        while self.proc.poll() is None:
            await asyncio.sleep(0.05)
        return self.proc.returncode


class Telegram:
    """Delivers updates to the webhook until each is answered 200, as Telegram does."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/webhooks/telegram"
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outcomes: Counter[str] = Counter()
        self.deliveries = 0

    async def deliver(self, http: aiohttp.ClientSession) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        while True:
            update = await self.queue.get()
            while True:
                self.deliveries += 1
                try:
                    async with http.post(
                        self.url, data=json.dumps(update), headers=headers,
                        timeout=aiohttp.ClientTimeout(total=60),
                    ) as resp:  # fmt: skip
                        self.outcomes[str(resp.status)] += 1
                        if resp.status == 200:
                            break
                except (aiohttp.ClientError, TimeoutError) as exc:
                    self.outcomes[type(exc).__name__] += 1
                await asyncio.sleep(1.0)  # then deliver it again
            self.queue.task_done()


async def traffic(
    api: LocalBotApi, telegram: Telegram, stop: asyncio.Event, sent: list[tuple[int, int]]
) -> None:
    rng = random.Random(7)
    shoppers = [api.user(9000 + i, first_name=f"S{i}") for i in range(SHOPPERS)]
    while not stop.is_set():
        user = rng.choice(shoppers)
        update = api.make_message_update(user, rng.choice(QUERIES))
        sent.append((user.id, update["message"]["message_id"]))
        await telegram.queue.put(update)
        await asyncio.sleep(1 / RATE)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stop-postgresql", action="store_true", required=True)
    parser.parse_args()
    await fresh_database()
    port = free_port()
    async with LocalBotApi(TOKEN) as api, aiohttp.ClientSession() as http:
        bot = Bot(api, port)
        await bot.start()
        telegram = Telegram(port)
        deliverers = [asyncio.create_task(telegram.deliver(http)) for _ in range(20)]
        stop, sent = asyncio.Event(), []  # sent: (chat, message id) of every message
        sending = asyncio.create_task(traffic(api, telegram, stop, sent))
        started = time.monotonic()

        def say(what: str) -> None:
            print(f"[{time.monotonic() - started:6.1f}s] {what} (sent {len(sent)})", flush=True)

        await asyncio.sleep(10)
        say("PostgreSQL stopped for 20 s")
        pg("stop")
        await asyncio.sleep(20)
        pg("start")
        say("PostgreSQL started")
        await asyncio.sleep(15)
        say("PostgreSQL frozen for 20 s")
        freeze_pg(signal.SIGSTOP)
        await asyncio.sleep(20)
        freeze_pg(signal.SIGCONT)
        say("PostgreSQL thawed")
        await asyncio.sleep(15)
        say("SIGTERM under traffic")
        bot.signal(signal.SIGTERM)
        code = await bot.exited()
        say(f"the old process exited ({code}); starting a new one")
        await bot.start()
        say("new process healthy")
        await asyncio.sleep(15)
        say("SIGKILL mid-stream")
        bot.signal(signal.SIGKILL)
        await bot.exited()
        await bot.start()
        say("restarted after the kill")
        await asyncio.sleep(10)
        stop.set()
        await sending
        say("traffic stopped; delivering what is left")
        await asyncio.wait_for(telegram.queue.join(), 300)
        for task in deliverers:
            task.cancel()
        bot.signal(signal.SIGTERM)
        await bot.exited()

    answers: Counter[tuple[int, int]] = Counter()
    for chat_id in {chat for chat, _ in sent}:
        for message in api.messages(chat_id, include_deleted=True):
            if message.reply_to_message_id is not None:
                answers[(chat_id, message.reply_to_message_id)] += 1
    counts = Counter(answers.get(key, 0) for key in sent)
    print(f"messages sent: {len(sent)}")
    print(f"answered once: {counts.get(1, 0)}")
    print(f"never answered: {counts.get(0, 0)}")
    print(f"answered more than once: {sum(n for k, n in counts.items() if k > 1)}")
    print(f"deliveries (Telegram's attempts): {telegram.deliveries}: {dict(telegram.outcomes)}")


if __name__ == "__main__":
    asyncio.run(main())
