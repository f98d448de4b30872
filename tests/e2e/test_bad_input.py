"""Whatever a user sends, they get a sensible answer or silence; nothing raises at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from telegram import Update

from bot.db import create_engine, session_factory
from bot.playground.botapi.server import LocalBotApi
from bot.process.deps import Deps
from bot.services import products, users
from bot.telegram.app import ShopbotApplication
from tests.e2e.harness import Shopper


@pytest.fixture
def database_down(deps: Deps) -> Callable[[], AbstractAsyncContextManager[None]]:
    """A context in which every session the bot opens fails to connect."""

    @asynccontextmanager
    async def down() -> AsyncIterator[None]:
        real = deps.sessions
        broken = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
        deps.sessions = deps.visits.sessions = session_factory(broken)
        try:
            yield
        finally:
            deps.sessions = deps.visits.sessions = real
            await broken.dispose()

    return down


@pytest.fixture
def errors(app: ShopbotApplication) -> list[BaseException]:
    """Exceptions that reached the error handler during the test."""
    seen: list[BaseException] = []

    async def record(update: object, context: object) -> None:
        seen.append(context.error)  # type: ignore[attr-defined]

    app.add_error_handler(record)
    return seen


async def test_unknown_command_points_to_help(
    shopper: Callable[..., Shopper], errors: list
) -> None:
    (reply,) = await shopper().send("/frobnicate now")
    assert reply.text == "I don't know that command. See /help for what I can do."
    assert errors == []


async def test_sticker_gets_a_hint(shopper: Callable[..., Shopper], errors: list) -> None:
    (reply,) = await shopper("ru").send_sticker()
    assert "/help" in reply.text and reply.text != "I can only read text messages."
    assert errors == []


async def test_edited_message_is_ignored_quietly(
    shopper: Callable[..., Shopper], errors: list
) -> None:
    ann = shopper()
    await ann.send("/help")
    assert await ann.edit_last("/start") == []
    assert errors == []


@pytest.mark.parametrize(
    "text",
    [
        "x" * 4096,
        "<b>unclosed & </i> <script>alert(1)</script> &amp;",
        "' OR 1=1; DROP TABLE users; --",
        "\u202e\u0000\x1b[31m 🙂 手机壳 чехол",
        "/start " + "A" * 4000,
    ],
)
async def test_hostile_text_is_answered(
    shopper: Callable[..., Shopper], errors: list, text: str
) -> None:
    replies = await shopper().send(text)
    assert len(replies) == 1 and replies[0].text
    assert errors == []


async def test_group_chatter_is_not_answered(
    botapi: LocalBotApi, app: ShopbotApplication, errors: list
) -> None:
    from telegram import Update

    group = botapi.make_group(-100123, "Deals")
    user = botapi.user(77)
    for text in ("hello everyone", "/frobnicate"):
        update = botapi.make_message_update(user, text, group)
        await app.process_update(Update.de_json(update, app.bot))
    assert botapi.messages(group.id) == []
    update = botapi.make_message_update(user, "/help", group)
    await app.process_update(Update.de_json(update, app.bot))
    assert len(botapi.messages(group.id)) == 1
    assert errors == []


async def test_a_failing_handler_apologises_without_a_traceback(
    shopper: Callable[..., Shopper], monkeypatch: pytest.MonkeyPatch, errors: list
) -> None:
    ann = shopper("ru")
    await ann.send("/start")
    monkeypatch.setattr(products, "search", _broken)  # a bug, not an outage
    (reply,) = await ann.send("чехол для телефона")
    assert reply.text.startswith("Извините, у нас что-то пошло не так")
    assert "Traceback" not in reply.text and "Error" not in reply.text
    assert len(errors) == 1


async def _broken(*args: object, **kwargs: object) -> None:
    raise RuntimeError("a bug")


async def test_without_a_database_nothing_is_said_and_the_update_comes_again(
    app: ShopbotApplication, botapi: LocalBotApi, database_down: Callable, errors: list
) -> None:
    """An outage is not the shopper's problem to hear about: the update is left for Telegram
    to deliver again (webhook 503, polling offset held), and answered once it can be."""
    ann, bob = botapi.user(7001, language_code="ru"), botapi.user(7002, language_code=None)
    updates = [
        Update.de_json(botapi.make_message_update(user, "/settings"), app.bot)
        for user in (ann, bob)
    ]
    async with database_down():
        assert [await app.handle(u) for u in updates] == [False, False]
    assert botapi.messages(ann.id) == [] and botapi.messages(bob.id) == []
    assert len(errors) == 2
    assert [await app.handle(u) for u in updates] == [True, True]  # delivered again, answered
    assert [await app.handle(u) for u in updates] == [True, True]  # and again: not twice
    assert len(botapi.messages(ann.id)) == 1 and len(botapi.messages(bob.id)) == 1
    assert botapi.messages(ann.id)[0].text.startswith("Ваши настройки")


async def test_a_failing_button_answers_the_callback(
    shopper: Callable[..., Shopper], monkeypatch: pytest.MonkeyPatch, errors: list
) -> None:
    ann = shopper()
    await ann.send("/settings")
    await ann.press("Currency")
    monkeypatch.setattr(users, "set_currency", _broken)
    answer = await ann.press("EUR")
    assert answer.show_alert and (answer.text or "").startswith("Sorry")
    assert len(errors) == 1


async def test_errors_are_counted_in_metrics(
    shopper: Callable[..., Shopper], deps: Deps, database_down: Callable, errors: list
) -> None:
    before = deps.metrics.update_errors._value.get()
    async with database_down():
        await shopper().send("/start")
    assert deps.metrics.update_errors._value.get() == before + 1
    assert 'shopbot_updates_total{kind="message"}' in deps.metrics.render().decode()


async def test_a_button_without_data_is_answered_as_stale(
    shopper: Callable[..., Shopper], errors: list
) -> None:
    ann = shopper()
    await ann.send("/settings")
    answer = await ann.press_data("", check=False)
    assert answer.text == "This button is no longer valid."
    assert errors == []
