"""Search replies per second of the real shopbot Application, against a bare echo bot.

A 100k-product catalog (bench/catalog_gen.py, stored through the sync engine into a temporary
SQLite file) backs the real Application (wiring.build with polling=False,
rate_limit=False: every handler, the user middleware, aiohttp transport). The local fake Bot API
(LocalBotApi) serves on loopback, by default in a child process so the bot's process pays only
for the bot (`--inprocess` runs it in the bot's event loop). N text messages with search
queries (the query classes of bench/search.py) from many distinct users (api.user(id); each user
searches in their language) go through `handle(Update.de_json(...))`, CONCURRENCY at a
time; every update must get its reply (a search result or "nothing found" quoting the
message). Then, on the same fake, a bare python-telegram-bot echo bot with library defaults
(ApplicationBuilder().token().base_url().build() and one MessageHandler replying with the text)
gets the same N messages. Printed: replies/s of both and the ratio shopbot search / bare echo
(target >= 5x), with what the shopbot run cost the database: how many searches ran (the rest
came from the 30-second answer cache, as a popular search does in service) and how many
transactions recorded the users' visits (each shopper's first message is a first contact:
with the default 6000 messages from 1000 shoppers, one message in six; `-n 2000` makes it one
in two).

Run: `.venv/bin/python bench/throughput.py [-n 6000] [-c 64] [--users 1000] [--catalog 100000]
[--inprocess]`
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bench.catalog_gen import products
from bench.search import CLASSES, build
from bot.config import load_settings
from bot.db import create_engine, session_factory
from bot.playground.botapi.model import FakeUser
from bot.playground.botapi.server import DEFAULT_TOKEN, LocalBotApi
from bot.process.deps import Deps
from bot.search import kernel
from bot.services import fx
from bot.telegram.app import ShopbotApplication
from handlers import wiring
from integrations.fx.ecb import Rates

TARGET_RATIO = 5.0
WARMUP = 200
FIRST_USER = 100_000
WARMUP_USER = 900_000
# The Telegram language_code of a shopper searching with each query class.
LANGUAGE = {"short CJK": "zh-hans", "long CJK": "zh-hans", "Russian": "ru"}

Pairs = list[tuple[int, str]]  # (user id, message text)
# chat id -> the bot's messages: (message id, id of the message it replies to, text, buttons?)
Seen = dict[int, list[tuple[int, int | None, str, bool]]]


def workload(users: int, n: int) -> tuple[list[tuple[int, str]], Pairs, Pairs]:
    """Users with their language, the warm-up messages and the N measured messages."""
    classes = list(CLASSES)
    people = [(FIRST_USER + i, LANGUAGE.get(classes[i % len(classes)], "en")) for i in range(users)]
    people += [(WARMUP_USER + i, "en") for i in range(WARMUP)]
    everything = [q for name in classes for q, _ in CLASSES[name]]
    warmup = [(WARMUP_USER + i, everything[i % len(everything)]) for i in range(WARMUP)]
    measured = []
    for j in range(n):
        user = j % users
        queries = CLASSES[classes[user % len(classes)]]
        measured.append((FIRST_USER + user, queries[(j // users + user) % len(queries)][0]))
    return people, warmup, measured


class FakeState:
    """What the fake Bot API knows: makes updates from its users and lists the bot's messages."""

    def __init__(self, api: LocalBotApi, people: list[tuple[int, str]]) -> None:
        self.api = api
        self.users: dict[int, FakeUser] = {
            uid: api.user(uid, language_code=lang) for uid, lang in people
        }

    def updates(self, pairs: Pairs) -> list[dict[str, Any]]:
        return [self.api.make_message_update(self.users[uid], text) for uid, text in pairs]

    def seen(self) -> Seen:
        return {
            uid: [
                (m.message_id, m.reply_to_message_id, m.text, bool(m.buttons))
                for m in self.api.messages(uid)
            ]
            for uid in self.users
        }


class Fake(Protocol):
    base_url: str

    async def updates(self, pairs: Pairs) -> list[dict[str, Any]]: ...
    async def seen(self) -> Seen: ...


async def _serve(conn: Connection, people: list[tuple[int, str]]) -> None:
    async with LocalBotApi(DEFAULT_TOKEN) as api:
        state = FakeState(api, people)
        conn.send(api.base_url)
        loop = asyncio.get_running_loop()
        while True:
            command, arg = await loop.run_in_executor(None, conn.recv)
            if command == "updates":
                conn.send(state.updates(arg))
            elif command == "seen":
                conn.send(state.seen())
            else:
                return


def serve(conn: Connection, people: list[tuple[int, str]]) -> None:
    """Child process: the fake Bot API, answering the parent's requests until told to stop."""
    asyncio.run(_serve(conn, people))


class ChildFake:
    def __init__(self, conn: Connection, base_url: str) -> None:
        self.conn, self.base_url = conn, base_url

    async def _ask(self, command: str, arg: object = None) -> Any:
        self.conn.send((command, arg))
        return await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)

    async def updates(self, pairs: Pairs) -> list[dict[str, Any]]:
        return await self._ask("updates", pairs)  # type: ignore[no-any-return]

    async def seen(self) -> Seen:
        return await self._ask("seen")  # type: ignore[no-any-return]


class LocalFake:
    def __init__(self, state: FakeState) -> None:
        self.state, self.base_url = state, state.api.base_url

    async def updates(self, pairs: Pairs) -> list[dict[str, Any]]:
        return self.state.updates(pairs)

    async def seen(self) -> Seen:
        return self.state.seen()


async def feed(
    app: Application[Any, Any, Any, Any, Any, Any],
    updates: list[dict[str, Any]],
    concurrency: int,
) -> float:
    """Process every update, at most `concurrency` at a time; returns the seconds it took."""
    gate = asyncio.Semaphore(concurrency)
    # shopbot's updates go the way every real one does: handled once (the update log read
    # before, written after); the echo bot's straight to process_update.
    handle = app.handle if isinstance(app, ShopbotApplication) else app.process_update

    async def one(data: dict[str, Any]) -> None:
        async with gate:
            await handle(Update.de_json(data, app.bot))

    gc.collect()
    started = time.perf_counter()
    await asyncio.gather(*(one(data) for data in updates))
    return time.perf_counter() - started


def new_messages(before: Seen, after: Seen) -> Seen:
    known = {uid: {m[0] for m in messages} for uid, messages in before.items()}
    return {uid: [m for m in ms if m[0] not in known.get(uid, set())] for uid, ms in after.items()}


def check_search_replies(updates: list[dict[str, Any]], replies: Seen) -> str:
    """Every message got exactly one bot message quoting it (results or nothing found);
    returns what went wrong, if anything."""
    wanted = Counter((u["message"]["chat"]["id"], u["message"]["message_id"]) for u in updates)
    got = Counter((uid, m[1]) for uid, ms in replies.items() for m in ms)
    if got == wanted:
        return ""
    missing = sum((wanted - got).values())
    others = Counter(m[2][:70] for ms in replies.values() for m in ms if m[1] is None)
    said = "; ".join(f"{n}x {text!r}" for text, n in others.most_common(3))
    return f"{missing} of {len(updates)} updates got no search reply" + (
        f" (sent: {said})" if said else ""
    )


def check_echoes(updates: list[dict[str, Any]], replies: Seen) -> str:
    wanted = Counter((u["message"]["chat"]["id"], u["message"]["text"]) for u in updates)
    got = Counter((uid, m[2]) for uid, ms in replies.items() for m in ms)
    if got == wanted:
        return ""
    return f"{sum((wanted - got).values())} of {len(updates)} updates not echoed"


class Statements:
    """What the measured messages cost the database: searches run, user write transactions."""

    def __init__(self, deps: Deps) -> None:
        self.deps, self.searches, self.on = deps, 0, False
        fetch = kernel.Sql.fetch  # search's statements go to the driver through it

        async def counted(sql: kernel.Sql, session: AsyncSession, text: str) -> Any:
            # FTS5 on SQLite, the postings walk on PostgreSQL (bot/services/search_pg.py)
            if self.on and ("products_fts MATCH" in text or "AS walk CROSS JOIN" in text):
                self.searches += 1
            return await fetch(sql, session, text)

        kernel.Sql.fetch = counted  # type: ignore[method-assign,assignment]

    def start(self) -> None:
        self.on, self.batches = True, self.deps.visits.batches

    def summary(self, n: int) -> str:
        writes = self.deps.visits.batches - self.batches
        return (
            f"{self.searches} searches ran, the other {n - self.searches} messages were answered "
            f"from the 30 s cache; {writes} transactions wrote the users' visits"
        )


async def run_shopbot(
    fake: Fake, db_url: str, warmup: Pairs, measured: Pairs, concurrency: int
) -> tuple[float, Counter[str], str, str]:
    settings = load_settings(
        _env_file=None, database_url=db_url, telegram_bot_token=DEFAULT_TOKEN, http_port=0
    )
    deps = Deps.create(settings)
    app = wiring.build(
        deps, token=DEFAULT_TOKEN, base_url=fake.base_url, polling=False, rate_limit=False
    )
    statements = Statements(deps)
    try:
        async with app:
            await feed(app, await fake.updates(warmup), concurrency)
            updates = await fake.updates(measured)
            before = await fake.seen()
            statements.start()
            seconds = await feed(app, updates, concurrency)
            replies = new_messages(before, await fake.seen())
    finally:
        await deps.close()
    problem = check_search_replies(updates, replies)
    kinds = Counter(
        "nothing found" if m[1] is not None and not m[3] else "results" if m[1] else "other"
        for ms in replies.values()
        for m in ms
    )
    return len(updates) / seconds, kinds, problem, statements.summary(len(updates))


class Echo:
    async def __call__(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        await message.reply_text(message.text)


async def run_echo(
    fake: Fake, warmup: Pairs, measured: Pairs, concurrency: int
) -> tuple[float, str]:
    app = ApplicationBuilder().token(DEFAULT_TOKEN).base_url(fake.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, Echo()))
    async with app:
        await feed(app, await fake.updates(warmup), concurrency)
        updates = await fake.updates(measured)
        before = await fake.seen()
        seconds = await feed(app, updates, concurrency)
        replies = new_messages(before, await fake.seen())
    return len(updates) / seconds, check_echoes(updates, replies)


async def compare(fake: Fake, db_url: str, args: argparse.Namespace, work: tuple[Any, ...]) -> None:
    _, warmup, measured = work
    shopbot, kinds, problem, work = await run_shopbot(
        fake, db_url, warmup, measured, args.concurrency
    )
    print(
        f"shopbot search : {shopbot:8.0f} replies/s   ({kinds['results']} replies with results, "
        f"{kinds['nothing found']} nothing found, {kinds['other']} other)"
    )
    print(f"  {work}")
    if problem:
        print(f"  NOT EVERY UPDATE ANSWERED: {problem}")
    echo, echo_problem = await run_echo(fake, warmup, measured, args.concurrency)
    print(f"bare echo bot  : {echo:8.0f} replies/s   (PTB defaults: HTTPXRequest)")
    if echo_problem:
        print(f"  NOT EVERY UPDATE ANSWERED: {echo_problem}")
    ratio = shopbot / echo
    verdict = "ok" if ratio >= TARGET_RATIO and not problem else "BELOW TARGET"
    print(f"ratio shopbot search / bare echo: {ratio:.2f}x (target >= {TARGET_RATIO:g}x) {verdict}")


# A day of ECB reference rates, so that replies show prices converted as they do in service.
RATES = Rates(
    date(2026, 11, 25),
    {c: Decimal(v) for c, v in {"EUR": "1", "CNY": "8.21", "USD": "1.16", "RUB": "91.5"}.items()},
)


async def prepare(db_url: str, size: int) -> None:
    started = time.perf_counter()
    catalog = list(products(size))
    seconds = await build(db_url, catalog)
    del catalog
    gc.collect()
    engine = create_engine(db_url)
    async with session_factory(engine).begin() as session:
        await fx.store(session, RATES)
    await engine.dispose()
    print(
        f"catalog: {size:,} products stored through sync.run in {seconds:.1f}s "
        f"({time.perf_counter() - started:.1f}s with generation)"
    )


async def main_inprocess(db_url: str, args: argparse.Namespace, work: tuple[Any, ...]) -> None:
    async with LocalBotApi(DEFAULT_TOKEN) as api:
        await compare(LocalFake(FakeState(api, work[0])), db_url, args, work)


class OneLine(logging.Formatter):
    """A failed update's exception as one line, not a traceback per update."""

    def formatException(self, ei: Any) -> str:
        return f"  {ei[0].__name__}: {str(ei[1]).splitlines()[0] if str(ei[1]) else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", "--updates", type=int, default=6000)
    parser.add_argument("-c", "--concurrency", type=int, default=64)
    parser.add_argument("--users", type=int, default=1000, help="distinct shoppers")
    parser.add_argument("--catalog", type=int, default=100_000, help="products")
    parser.add_argument("--inprocess", action="store_true", help="serve in the bot's loop")
    args = parser.parse_args()
    handler = logging.StreamHandler()
    handler.setFormatter(OneLine("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    db_url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='shopbot-bench-tp-')) / 'tp.db'}"
    asyncio.run(prepare(db_url, args.catalog))
    work = workload(args.users, args.updates)
    where = "in the bot's process" if args.inprocess else "in a child process"
    print(
        f"{args.updates} search messages from {args.users} users, {args.concurrency} concurrent, "
        f"after {WARMUP} warm-up messages; fake Bot API {where}"
    )
    try:
        if args.inprocess:
            asyncio.run(main_inprocess(db_url, args, work))
            return
        ours, theirs = multiprocessing.Pipe()
        server = multiprocessing.get_context("spawn").Process(target=serve, args=(theirs, work[0]))
        server.start()
        try:
            fake = ChildFake(ours, ours.recv())
            asyncio.run(compare(fake, db_url, args, work))
        finally:
            ours.send(("stop", None))
            server.join(10)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(db_url.split("///", 1)[1] + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
