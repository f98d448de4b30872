"""The local fake Stripe, the bot's web app it delivers signed events to, and settings that
point the real stripe SDK at the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from bot import models
from bot.config import Settings, load_settings
from bot.playground.botapi.server import LocalBotApi
from bot.playground.stripe.server import FakeStripe
from bot.process.deps import Deps
from bot.web.app import make_web_app
from tests.conftest import REDIS_URL
from tests.e2e.harness import Shopper, alerts_seen, to_quote, until
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


@dataclass
class Journey:
    """Ann, a shopper, with the bot, the fake Stripe and its webhook: from quote to order."""

    ann: Shopper
    deps: Deps
    stripe: FakeStripe
    botapi: LocalBotApi

    async def checked_out(self) -> tuple[int, str]:
        """Ann's order for two phone cases, and its Stripe Checkout Session."""
        ann = self.ann
        await to_quote(ann, self.deps)
        pay = next(b for b in ann.last.all_buttons if b.text.startswith("💳 Pay"))
        await ann.press(pay.text, ann.last)
        url = next(b for b in ann.last.all_buttons if b.url).url
        async with self.deps.sessions() as s:
            order_id = await s.scalar(select(models.Order.id))
        assert order_id is not None
        return order_id, url.rsplit("/", 1)[1]

    async def status(self, order_id: int) -> str:
        async with self.deps.sessions() as s:
            found = await s.scalar(select(models.Order.status).where(models.Order.id == order_id))
        return str(found)

    def alerts(self) -> list[str]:
        return alerts_seen(self.botapi, self.ann)

    async def told(self, words: str) -> None:
        """Wait for an alert containing `words` (they follow the webhook's answer)."""
        await until(lambda: any(words in a for a in self.alerts()))

    async def raise_prices(self) -> None:
        """The seller asks more than was paid: 29.90 becomes 39.90."""
        async with self.deps.sessions.begin() as s:
            await s.execute(update(models.Offer).values(price_minor=3990))


@pytest.fixture
def journey(
    shopper: Callable[..., Shopper], deps: Deps, stripe: FakeStripe, webhook: str,
    botapi: LocalBotApi,
) -> Journey:  # fmt: skip
    return Journey(shopper("en"), deps, stripe, botapi)
