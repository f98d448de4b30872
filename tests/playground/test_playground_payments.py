"""The playground without any keys: search, cart, quote, and a local test payment page that
pays (or fails) through the same signed Stripe events, the bot's alerts arriving in the chat.

The playground runs in-process, typed to line by line: each line waits until the playground
asks for the next one, so a step's output is complete when it is read.
"""

from __future__ import annotations

import asyncio
import io
import queue
import re
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TextIO, cast
from urllib.parse import urlsplit

import aiohttp
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot import models
from bot.config import Settings
from bot.db import create_engine, session_factory
from bot.playground.payments import HINT
from bot.playground.stripe import FakeStripe
from bot.playground.terminal import PAYMENTS_INTRO, chat
from tests.playground.test_terminal import chat as shopbot_chat

LINK = re.compile(r"\((http://127\.0\.0\.1:\d+/pay/(cs_test_\w+))\)")


class Typist:
    """The playground's stdin: readline waits for the test to type a line."""

    def __init__(self) -> None:
        self.waiting = threading.Event()
        self._lines: queue.Queue[str] = queue.Queue()

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        self.waiting.set()
        try:
            return self._lines.get(timeout=60)
        except queue.Empty:  # the test went away: end of input
            return ""

    def put(self, line: str) -> None:
        self._lines.put(line)


class Playground:
    """`shopbot chat`'s playground running in this test's event loop, typed to."""

    def __init__(self, settings: Settings) -> None:
        self.typist, self.out = Typist(), io.StringIO()
        stdin = cast(TextIO, self.typist)  # readline and isatty are all the playground reads
        self.task = asyncio.create_task(chat(settings, stdin=stdin, out=self.out))

    async def type(self, line: str) -> str:
        """Type `line`; what the playground printed until it asked for the next one."""
        await self._asking()
        start = len(self.out.getvalue())
        self.typist.waiting.clear()
        self.typist.put(line + "\n")
        await self._asking()
        return self.out.getvalue()[start:]

    async def press(self, label: str) -> str:
        """Press the newest button shown whose text starts with `label`."""
        found = list(re.finditer(rf"\[(\d+)\] {re.escape(label)}", self.out.getvalue()))
        assert found, f"no button {label!r} shown"
        return await self.type(found[-1].group(1))

    async def quit(self) -> None:
        self.typist.put("/quit\n")
        await asyncio.wait_for(self.task, 30)

    async def _asking(self) -> None:
        for _ in range(3000):
            if self.typist.waiting.is_set() or self.task.done():
                break
            await asyncio.sleep(0.01)
        if self.task.done():
            self.task.result()  # raises what stopped the playground
            raise AssertionError("the playground stopped:\n" + self.out.getvalue()[-2000:])
        assert self.typist.waiting.is_set(), "the playground did not ask for the next line"


@asynccontextmanager
async def playing(settings: Settings) -> AsyncIterator[Playground]:
    pg = Playground(settings)
    try:
        yield pg
    finally:
        pg.typist.put("")  # end of input, whatever happened
        await asyncio.wait_for(asyncio.gather(pg.task, return_exceptions=True), 30)


@pytest.fixture
async def playground(settings: Settings) -> AsyncIterator[Playground]:
    assert settings.stripe_secret_key is None  # no keys: the playground brings its own page
    async with playing(settings) as pg:
        yield pg


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[list[str]]:
    """Every host:port connected to or looked up during the test, but the PostgreSQL and Redis
    servers a run may be configured with."""
    servers = _servers(settings)
    seen: list[str] = []
    real_connect, real_lookup = socket.socket.connect, socket.getaddrinfo

    def note(host: Any, port: Any) -> None:
        host = host.decode() if isinstance(host, bytes) else str(host)
        if f"{host}:{port}" not in servers:
            seen.append(f"{host}:{port}")

    def connect(sock: socket.socket, address: Any) -> None:
        if isinstance(address, tuple):  # not a local (unix) socket
            note(address[0], address[1])
        real_connect(sock, address)

    def lookup(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        note(host, port)
        return real_lookup(host, port, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    yield seen


def _servers(settings: Settings) -> set[str]:
    """The database's and Redis's host:port (none for SQLite without Redis), as looked up by
    name and as connected to by address."""
    found: set[tuple[str, int]] = set()
    if not settings.is_sqlite:
        url = make_url(settings.database_url)
        found.add((str(url.host or "localhost"), int(url.port or 5432)))
    if settings.redis_url:
        parts = urlsplit(settings.redis_url)
        found.add((str(parts.hostname or "localhost"), int(parts.port or 6379)))
    names = {f"{host}:{port}" for host, port in found}
    for host, port in found:
        names |= {f"{info[4][0]}:{port}" for info in socket.getaddrinfo(host, port)}
    return names


def on_loopback(seen: list[str]) -> bool:
    return bool(seen) and all(address.startswith("127.0.0.1:") for address in seen)


async def checkout(pg: Playground) -> tuple[str, str]:
    """Ship to Germany, find phone cases, put the first (its first variant) in the cart, check
    out on the first shipping line and press Pay; the quote, and what Pay showed."""
    await pg.type("/settings")
    await pg.press("Country")
    assert "Ship to: Germany" in await pg.press("Germany")
    assert "products found" in await pg.type("手机壳")
    card = await pg.press("1")
    if "🛒 Choose a variant" in card:
        card = await pg.type("1")
    assert "🛒 Add to cart" in card
    assert "Added to the cart (1 in it)" in await pg.press("🛒 Add to cart")
    assert "Your cart" in await pg.type("/cart")
    assert "Shipping to Germany" in await pg.press("✅ Check out")
    quote = await pg.type("1")  # the first shipping line
    paid = await pg.press("💳 Pay")
    assert "is waiting for payment" in paid
    return quote, paid


async def the_order(settings: Settings) -> tuple[models.Order, int]:
    """The one order in the database, and how many payment events were applied."""
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as s:
            (order,) = (await s.scalars(select(models.Order))).all()
            events = await s.scalar(select(func.count()).select_from(models.PaymentEvent))
            return order, int(events or 0)
    finally:
        await engine.dispose()


async def test_a_newcomer_pays_on_the_local_page_and_the_alert_arrives(
    connections: list[str], playground: Playground, settings: Settings
) -> None:
    quote, paid = await checkout(playground)
    for line in ("Your quote", "Goods", "International shipping", "Service fee",
                 "Duties and VAT (estimate)", "Total: €"):  # fmt: skip
        assert line in quote
    assert PAYMENTS_INTRO in playground.out.getvalue()
    link = LINK.search(paid)
    assert link is not None, paid
    assert HINT in paid
    number = re.search(r"\[(\d+)\] 💳 Pay", paid)
    assert number is not None
    pressed = await playground.type(number.group(1))
    assert f"(a link: {link.group(1)})" in pressed and HINT in pressed
    async with aiohttp.ClientSession() as http, http.get(link.group(1)) as page:
        assert page.status == 200 and "Test payment" in await page.text()

    said = await playground.type("/stripe pay")
    paying = re.search(r"\(test payment page: paying [\d.]+ EUR by card\)", said)
    assert paying is not None, said
    assert said.index("bot> ✅ Payment received for order #") > paying.end()
    order, events = await the_order(settings)
    assert order.status == "paid" and order.checkout_id == link.group(2) and events == 1
    assert f"#{order.id} · " in await playground.type("/orders")
    assert "no open payment page" in await playground.type("/stripe pay")  # paid: not twice
    await playground.quit()

    assert "Traceback" not in playground.out.getvalue()
    assert on_loopback(connections), set(connections)
    with pytest.raises(aiohttp.ClientConnectionError):  # the page is gone with the playground
        async with aiohttp.ClientSession() as http, http.get(link.group(1)):
            pass


async def test_a_declined_card_leaves_the_order_waiting_and_a_bounce_cancels_it(
    connections: list[str], playground: Playground, settings: Settings
) -> None:
    await checkout(playground)
    declined = await playground.type("/stripe fail")
    assert "the card is declined; the link still works" in declined
    assert "bot>" not in declined  # the bot has nothing to say about a declined card
    order, events = await the_order(settings)
    assert order.status == "pending_payment" and events == 1  # payment_intent.payment_failed

    bounced = await playground.type("/stripe fail async")
    pending = bounced.index("bot> ⏳ Order #")
    failed = bounced.index("bot> ❌ Order #")
    assert bounced.index("asynchronous method)") < pending < bounced.index("bounces)") < failed
    order, events = await the_order(settings)
    assert order.status == "cancelled" and events == 3
    assert "no open payment page" in await playground.type("/stripe pay")
    assert "type /stripe pay or /stripe fail" in await playground.type("/stripe refund")
    await playground.quit()
    assert on_loopback(connections), set(connections)


async def test_configured_stripe_keys_are_used_as_they_are(settings: Settings) -> None:
    async with FakeStripe("whsec_own", secret_key="sk_test_own") as stripe:
        own = settings.model_copy(
            update={
                "stripe_secret_key": SecretStr("sk_test_own"),
                "stripe_webhook_secret": SecretStr("whsec_own"),
                "stripe_api_base": stripe.api_base,
            }
        )
        async with playing(own) as pg:
            _, paid = await checkout(pg)
            link = LINK.search(paid)
            assert link is not None and link.group(1).startswith(f"{stripe.public_base}/pay/")
            assert link.group(2) in stripe.sessions  # made with our key, at our Stripe
            assert HINT not in paid and PAYMENTS_INTRO not in pg.out.getvalue()
            assert "pay by opening the payment link" in await pg.type("/stripe pay")
            await pg.quit()
    assert stripe.sessions[link.group(2)]["status"] == "open"


async def test_shopbot_chat_offers_the_local_page(settings: Settings, tmp_path: Path) -> None:
    out = await shopbot_chat(settings, ["/stripe pay", "/stripe"], cwd=tmp_path)
    assert PAYMENTS_INTRO in out
    assert "(no open payment page in this chat: check out from /cart first)" in out
    assert "type /stripe pay or /stripe fail" in out
    assert "Traceback" not in out
