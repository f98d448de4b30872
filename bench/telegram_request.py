"""Echo-bot throughput: PTB's default HTTP transport (httpx) versus AiohttpRequest.

The local fake Bot API (LocalBotApi) serves on loopback — by default in a child process, so
the bot's process pays only for the bot and its HTTP client, as it would against Telegram;
`--inprocess` runs the server in the bot's event loop instead. Two bare echo bots (an
Application with library defaults and one MessageHandler replying with the text) each get N
text updates through `application.process_update(Update.de_json(...))`, CONCURRENCY at a time
via asyncio.gather; every update costs one sendMessage round trip. Printed: replies/second for
each bot and the ratio aiohttp / default.

Run: `.venv/bin/python bench/telegram_request.py [-n 3000] [-c 64] [--rounds 1] [--inprocess]`
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.playground.botapi.server import DEFAULT_TOKEN, LocalBotApi
from bot.telegram.request import AiohttpRequest

USERS = range(1001, 1101)  # 100 private chats
WARMUP = 200


async def _serve(conn: Connection) -> None:
    async with LocalBotApi(DEFAULT_TOKEN) as api:
        for uid in USERS:
            api.user(uid)
        conn.send(api.base_url)
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # until told to stop


def serve(conn: Connection) -> None:
    """Child process: the fake Bot API until the parent sends anything."""
    asyncio.run(_serve(conn))


def make_updates(n: int) -> list[dict[str, Any]]:
    """N user text messages spread over USERS (built by an unstarted LocalBotApi)."""
    factory = LocalBotApi(DEFAULT_TOKEN)
    users = [factory.user(uid) for uid in USERS]
    return [factory.make_message_update(users[i % len(users)], f"echo #{i}") for i in range(n)]


class Echo:
    """The bot's only handler; counts the replies Telegram accepted."""

    def __init__(self) -> None:
        self.replies = 0

    async def __call__(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        await message.reply_text(message.text)
        self.replies += 1


def build(base_url: str, aiohttp: bool, echo: Echo) -> Application[Any, Any, Any, Any, Any, Any]:
    builder = ApplicationBuilder().token(DEFAULT_TOKEN).base_url(base_url)
    if aiohttp:
        builder = builder.request(AiohttpRequest()).get_updates_request(
            AiohttpRequest(connection_pool_size=1)
        )
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


async def feed(
    app: Application[Any, Any, Any, Any, Any, Any],
    updates: list[dict[str, Any]],
    concurrency: int,
) -> None:
    for start in range(0, len(updates), concurrency):
        await asyncio.gather(
            *(
                app.process_update(Update.de_json(data, app.bot))
                for data in updates[start : start + concurrency]
            )
        )


async def measure(base_url: str, aiohttp: bool, n: int, concurrency: int) -> float:
    """Replies per second of one echo bot over N updates (after a warm-up)."""
    echo = Echo()
    app = build(base_url, aiohttp, echo)
    updates = make_updates(n + WARMUP)
    async with app:
        await feed(app, updates[:WARMUP], concurrency)
        echo.replies = 0
        gc.collect()
        started = time.perf_counter()
        await feed(app, updates[WARMUP:], concurrency)
        elapsed = time.perf_counter() - started
    if echo.replies != n:
        raise SystemExit(f"only {echo.replies} of {n} replies were sent")
    return echo.replies / elapsed


async def compare(base_url: str, n: int, concurrency: int, rounds: int) -> None:
    best = {"default": 0.0, "aiohttp": 0.0}
    for round_no in range(1, rounds + 1):
        for name in best:
            rate = await measure(base_url, name == "aiohttp", n, concurrency)
            best[name] = max(best[name], rate)
            print(f"  round {round_no}: {name:8} {rate:8.0f} replies/s")
    print(f"default (HTTPXRequest) : {best['default']:8.0f} replies/s")
    print(f"AiohttpRequest         : {best['aiohttp']:8.0f} replies/s")
    print(f"ratio aiohttp / default: {best['aiohttp'] / best['default']:8.2f}x")


async def main_inprocess(n: int, concurrency: int, rounds: int) -> None:
    async with LocalBotApi(DEFAULT_TOKEN) as api:
        for uid in USERS:
            api.user(uid)
        await compare(api.base_url, n, concurrency, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", "--updates", type=int, default=3000)
    parser.add_argument("-c", "--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--inprocess", action="store_true", help="serve in the bot's loop")
    args = parser.parse_args()
    where = "in the bot's process" if args.inprocess else "in a child process"
    print(f"echo bot, {args.updates} updates, {args.concurrency} concurrent, fake Bot API {where}")
    if args.inprocess:
        asyncio.run(main_inprocess(args.updates, args.concurrency, args.rounds))
        return
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(theirs,))
    server.start()
    try:
        base_url = ours.recv()
        asyncio.run(compare(base_url, args.updates, args.concurrency, args.rounds))
    finally:
        ours.send("stop")
        server.join(10)


if __name__ == "__main__":
    main()
