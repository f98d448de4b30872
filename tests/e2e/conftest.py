"""End-to-end fixtures: shoppers talking to the real Application (tests/conftest.py) through
the local Bot API server."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.playground.botapi.server import LocalBotApi
from bot.telegram.app import ShopbotApplication
from tests.e2e.harness import Shopper


@pytest.fixture
def shopper(botapi: LocalBotApi, app: ShopbotApplication) -> Callable[..., Shopper]:
    """Factory: `shopper(language_code="ru")` makes a new user with a private chat."""
    counter = iter(range(1000, 10_000))

    def make(language_code: str | None = "en", first_name: str = "Ann") -> Shopper:
        user = botapi.user(next(counter), first_name=first_name, language_code=language_code)
        return Shopper(botapi, app, user)

    return make
