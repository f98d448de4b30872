"""The local fake Stripe, the bot's web app it delivers signed events to, and settings that
point the real stripe SDK at the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings, load_settings
from bot.playground.stripe.server import FakeStripe
from bot.process.deps import Deps
from bot.web.app import make_web_app
from tests.conftest import REDIS_URL
from tests.support import serving

SECRET = "whsec_test_e2e"


@pytest.fixture
async def stripe() -> AsyncIterator[FakeStripe]:
    async with FakeStripe(SECRET, secret_key="sk_test_e2e", settle_after=0.05) as fake:
        yield fake


@pytest.fixture
def settings(database_url: str, stripe: FakeStripe) -> Settings:
    return load_settings(
        _env_file=None, database_url=database_url, redis_url=REDIS_URL,
        telegram_bot_token="123456:PLAYGROUND-TOKEN", http_port=0,
        stripe_secret_key="sk_test_e2e", stripe_webhook_secret=SECRET,
        stripe_api_base=stripe.api_base,
    )  # fmt: skip


@pytest.fixture
async def webhook(deps: Deps, stripe: FakeStripe) -> AsyncIterator[str]:
    async with serving(make_web_app(deps)) as url:
        stripe.webhook_url = f"{url}/webhooks/stripe"
        yield url
