"""End-to-end fixtures: the real Application talking HTTP to the local Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

import handlers
from bot.playground.botapi.server import LocalBotApi
from bot.process.deps import Deps
from bot.telegram.app import ShopbotApplication
from tests.e2e.harness import Shopper

TOKEN = "123456:PLAYGROUND-TOKEN"


@pytest.fixture
async def botapi() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi(TOKEN) as api:
        yield api


@pytest.fixture
async def app(deps: Deps, botapi: LocalBotApi) -> AsyncIterator[ShopbotApplication]:
    application = handlers.build(deps, token=TOKEN, base_url=botapi.base_url, polling=False)
    async with application:
        yield application


@pytest.fixture
def shopper(botapi: LocalBotApi, app: ShopbotApplication) -> Callable[..., Shopper]:
    """Factory: `shopper(language_code="ru")` makes a new user with a private chat."""
    counter = iter(range(1000, 10_000))

    def make(language_code: str | None = "en", first_name: str = "Ann") -> Shopper:
        user = botapi.user(next(counter), first_name=first_name, language_code=language_code)
        return Shopper(botapi, app, user)

    return make
