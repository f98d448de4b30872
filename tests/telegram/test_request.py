"""AiohttpRequest: a real telegram.Bot against the local fake Bot API and tiny misbehaving servers."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest

from bot.playground.botapi.server import LocalBotApi, UploadedFile
from bot.telegram.request import AiohttpRequest
from tests.support import serving

TOKEN = "123456:TEST-TOKEN"
CHAT = 4242
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 300  # ~77 KB, more than one write chunk

ME = {"id": 123456, "is_bot": True, "first_name": "Slow", "username": "slow_bot"}


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi(TOKEN) as server:
        server.user(CHAT, "Ann")
        yield server


def make_bot(
    base_url: str,
    request: BaseRequest | None = None,
    base_file_url: str | None = None,
) -> Bot:
    return Bot(
        TOKEN,
        base_url=base_url,
        base_file_url=base_file_url or base_url.replace("/bot", "/file/bot"),
        request=request or AiohttpRequest(),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )


@asynccontextmanager
async def stalling_server() -> AsyncIterator[tuple[str, asyncio.Event]]:
    """A Bot API lookalike that neither reads the body nor answers until ``gate`` is set."""
    gate = asyncio.Event()

    async def handle(request: web.Request) -> web.Response:
        await gate.wait()
        return web.json_response({"ok": True, "result": ME})

    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", handle)
    async with serving(app, shutdown_timeout=0.5) as base:
        try:
            yield f"{base}/bot", gate
        finally:
            gate.set()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- talking to the fake Bot API ---------------------------------------------------------------


async def test_get_me(api: LocalBotApi) -> None:
    async with make_bot(api.base_url) as bot:
        me = await bot.get_me()
    assert me.id == 123456
    assert me.username == "playground_bot"
    assert me.is_bot
    assert [c.ok for c in api.calls_to("getMe")] == [True, True]  # initialize() + get_me()


TRANSPORTS: dict[str, Callable[[], BaseRequest]] = {
    "aiohttp": AiohttpRequest,
    "httpx": HTTPXRequest,
}


@pytest.mark.parametrize("transport", list(TRANSPORTS))
async def test_send_message_html_and_keyboard_same_on_both_transports(
    api: LocalBotApi, transport: str
) -> None:
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Buy 🛒", callback_data="buy:7")],
            [InlineKeyboardButton("Site", url="https://example.com/p?id=7&x=ü")],
        ]
    )
    async with make_bot(api.base_url, TRANSPORTS[transport]()) as bot:
        sent = await bot.send_message(
            CHAT,
            "<b>Hello</b>, <i>wörld</i> &amp; «friends» 👋",
            parse_mode="HTML",
            reply_markup=markup,
        )
        with pytest.raises(BadRequest) as bad_html:
            await bot.send_message(CHAT, "<b>unclosed", parse_mode="HTML")

    # what the bot got back
    assert sent.chat_id == CHAT
    assert sent.text == "Hello, wörld & «friends» 👋"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 5),
        ("italic", 7, 5),
    ]
    assert sent.reply_markup == markup
    # what the server stored and saw on the wire
    (stored,) = api.messages(CHAT)
    assert stored.html == "<b>Hello</b>, <i>wörld</i> &amp; «friends» 👋"
    assert [[b.text for b in row] for row in stored.buttons] == [["Buy 🛒"], ["Site"]]
    assert stored.button("Buy").callback_data == "buy:7"
    assert stored.button("Site").url == "https://example.com/p?id=7&x=ü"
    call = api.calls_to("sendMessage")[0]
    assert call.ok
    assert call.params["chat_id"] == CHAT
    assert call.params["parse_mode"] == "HTML"
    # Telegram's description, with PTB's usual "Bad Request: " stripping
    failed = api.calls_to("sendMessage")[1]
    assert not failed.ok and failed.error_code == 400
    assert failed.description is not None
    assert failed.description.startswith("Bad Request: can't parse entities")
    assert bad_html.value.message == failed.description.removeprefix("Bad Request: ").capitalize()


async def test_bad_request_carries_telegram_description(api: LocalBotApi) -> None:
    async with make_bot(api.base_url) as bot:
        with pytest.raises(BadRequest, match=r"^Chat not found$"):
            await bot.send_message(999_999, "hi")
        with pytest.raises(BadRequest, match="Message text is empty"):
            await bot.send_message(CHAT, "")
    assert [c.description for c in api.calls_to("sendMessage")] == [
        "Bad Request: chat not found",
        "Bad Request: message text is empty",
    ]


async def test_send_photo_uploads_multipart_and_downloads_back(api: LocalBotApi) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Open", callback_data="open")]])
    async with make_bot(api.base_url, base_file_url=api.base_file_url) as bot:
        sent = await bot.send_photo(
            CHAT,
            PNG,
            caption="<b>Photo</b> №1",
            parse_mode="HTML",
            filename='товар "1".png',
            reply_markup=markup,
        )
        file = await bot.get_file(sent.photo[-1].file_id)
        downloaded = await file.download_as_bytearray()

    call = api.calls_to("sendPhoto")[0]
    assert call.ok
    photo = call.params["photo"]
    assert isinstance(photo, UploadedFile)
    assert photo.field_name == "photo"
    assert photo.filename == "товар %221%22.png"  # httpx's escaping of quotes
    assert photo.content_type == "image/png"
    assert photo.data == PNG
    # the plain fields travelled in the same multipart body
    assert call.params["chat_id"] == CHAT
    assert call.params["caption"] == "<b>Photo</b> №1"
    assert call.params["reply_markup"] == json.loads(json.dumps(markup.to_dict()))
    assert sent.caption == "Photo №1"
    assert bytes(downloaded) == PNG  # retrieve(): a GET through the same session


async def test_get_updates_long_poll_returns_pushed_update(api: LocalBotApi) -> None:
    # The default read timeout (0.3 s) is shorter than the wait: PTB adds the long-poll
    # ``timeout`` to the request's ``read_timeout`` property, as it does for HTTPXRequest.
    ann = api.users[CHAT]
    async with Bot(
        TOKEN,
        base_url=api.base_url,
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(connection_pool_size=1, read_timeout=0.3),
    ) as bot:
        started = time.monotonic()
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.6)
        assert not poll.done()
        api.push_update(api.make_message_update(ann, "hello there"))
        updates = await asyncio.wait_for(poll, 5)
        waited = time.monotonic() - started
        confirm = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)

    assert 0.6 <= waited < 4
    assert [u.message.text for u in updates if u.message] == ["hello there"]
    assert updates[0].message is not None and updates[0].message.chat.id == CHAT
    assert confirm == ()


# --- timeouts and transport errors -------------------------------------------------------------


async def test_server_that_never_answers_times_out() -> None:
    async with stalling_server() as (base_url, _):
        request = AiohttpRequest(read_timeout=0.2)
        await request.initialize()
        try:
            bot = make_bot(base_url, request)
            started = time.monotonic()
            with pytest.raises(TimedOut) as default_timeout:
                await bot.get_me()
            assert time.monotonic() - started < 2
            assert isinstance(default_timeout.value.__cause__, asyncio.TimeoutError)
            assert not isinstance(default_timeout.value.__cause__, TimedOut)

            # an explicit per-call value beats the instance default (DEFAULT_NONE semantics)
            patient = AiohttpRequest(read_timeout=30)
            await patient.initialize()
            try:
                started = time.monotonic()
                with pytest.raises(TimedOut):
                    await make_bot(base_url, patient).get_me(read_timeout=0.2)
                assert time.monotonic() - started < 2
            finally:
                await patient.shutdown()
        finally:
            await request.shutdown()


async def test_stalled_upload_hits_the_write_timeout() -> None:
    # The server never reads the body: once the socket buffers are full, writes block.
    async with stalling_server() as (base_url, _):
        request = AiohttpRequest(read_timeout=30, media_write_timeout=60)
        async with request:
            started = time.monotonic()
            with pytest.raises(TimedOut):
                upload = make_bot(base_url, request).send_photo(
                    CHAT, b"\0" * (64 << 20), write_timeout=0.3
                )
                await asyncio.wait_for(upload, 10)  # without a write timeout it would hang
            assert time.monotonic() - started < 10


async def test_full_pool_times_out_with_pool_message() -> None:
    async with stalling_server() as (base_url, gate):
        request = AiohttpRequest(connection_pool_size=1, pool_timeout=0.2, read_timeout=10)
        async with request:
            bot = make_bot(base_url, request)
            first = asyncio.create_task(bot.get_me())
            await asyncio.sleep(0.1)  # `first` holds the only connection
            with pytest.raises(TimedOut, match="Pool timeout: All connections"):
                await bot.get_me()
            gate.set()
            me = await asyncio.wait_for(first, 5)
            assert me.username == "slow_bot"
            assert (await bot.get_me()).username == "slow_bot"  # the slot was released


async def test_refused_connection_raises_network_error() -> None:
    bot = make_bot(f"http://127.0.0.1:{free_port()}/bot")
    await bot.request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await bot.get_me()
    finally:
        await bot.request.shutdown()
    assert not isinstance(caught.value, TimedOut)
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)
    assert caught.value.message.startswith("aiohttp.ClientConnectorError")


# --- lifecycle ---------------------------------------------------------------------------------


async def test_shutdown_and_initialize_again(api: LocalBotApi) -> None:
    request = AiohttpRequest(read_timeout=7.5)
    assert request.read_timeout == 7.5
    bot = make_bot(api.base_url, request)

    async with bot:
        await request.initialize()  # idempotent while open
        assert (await bot.get_me()).username == "playground_bot"
    await request.shutdown()  # idempotent once closed
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{api.base_url}{TOKEN}/getMe", "POST")

    async with bot:
        sent = await bot.send_message(CHAT, "again")
    assert sent.text == "again"

    async with request:  # BaseRequest's context manager
        code, body = await request.do_request(f"{api.base_url}{TOKEN}/getMe", "POST")
    assert code == 200
    assert json.loads(body)["result"]["username"] == "playground_bot"


async def test_proxy_explicit_and_from_environment(
    api: LocalBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake answers absolute-form requests, so it doubles as a plain HTTP proxy here.
    origin = f"http://127.0.0.1:{api.port}"
    unresolvable = "http://api.telegram.invalid/bot"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)

    async with make_bot(unresolvable, AiohttpRequest(proxy=origin)) as bot:
        assert (await bot.get_me()).username == "playground_bot"

    monkeypatch.setenv("HTTP_PROXY", origin)
    async with make_bot(unresolvable) as bot:  # read at initialize(), like httpx's trust_env
        assert (await bot.get_me()).username == "playground_bot"

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError):  # bypassed the proxy: nothing listens there
            await make_bot(f"http://127.0.0.1:{free_port()}/bot", request).get_me()


def test_rejects_unsupported_settings() -> None:
    with pytest.raises(ValueError, match="connection_pool_size"):
        AiohttpRequest(connection_pool_size=0)
    with pytest.raises(ValueError, match="proxies"):
        AiohttpRequest(proxy="socks5://127.0.0.1:1080")
