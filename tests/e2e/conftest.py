"""End-to-end fixtures: shoppers talking to the real Application (tests/conftest.py) through
the local Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.playground.botapi.server import LocalBotApi
from bot.process.deps import Deps
from bot.telegram.app import ShopbotApplication
from tests.e2e.harness import Shopper
from tests.integrations.fakes import taobao as fake_taobao
from tests.support import fast_http


@pytest.fixture
def shopper(botapi: LocalBotApi, app: ShopbotApplication) -> Callable[..., Shopper]:
    """Factory: `shopper(language_code="ru")` makes a new user with a private chat."""
    counter = iter(range(1000, 10_000))

    def make(language_code: str | None = "en", first_name: str = "Ann") -> Shopper:
        user = botapi.user(next(counter), first_name=first_name, language_code=language_code)
        return Shopper(botapi, app, user)

    return make


@pytest.fixture
async def taobao(deps: Deps) -> AsyncIterator[fake_taobao.FakeTaobao]:
    fake = fake_taobao.FakeTaobao()
    await fake.start()
    deps.provider_env = {
        "TAOBAO_APP_KEY": fake_taobao.APP_KEY,
        "TAOBAO_APP_SECRET": fake_taobao.SECRET,
        "TAOBAO_API_BASE": fake.api_base,
        "TAOBAO_SHORT_LINK_BASE": fake.base,
    }
    deps.http = fast_http()
    yield fake
    await fake.close()
