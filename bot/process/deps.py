"""What every handler, web route and job needs, built once per process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import crypto
from bot.cache import TtlCache
from bot.config import Settings, provider_env
from bot.db import create_engine, session_factory
from bot.metrics import Metrics
from bot.process import live
from bot.process.couriers import Couriers
from bot.process.couriers import providers as courier_providers
from bot.process.handled import Handled
from bot.process.payments import Payments
from bot.process.user_cache import CACHE, UserCache
from bot.process.visits import Visits
from integrations.http import HttpClient
from integrations.payments.base import PaymentProvider
from integrations.payments.stripe import StripePayments

log = logging.getLogger(__name__)


def payment_provider(settings: Settings, env: Mapping[str, str]) -> PaymentProvider | None:
    """Stripe when STRIPE_SECRET_KEY is set; None (payments off) otherwise."""
    if settings.stripe_secret_key is None or not settings.stripe_secret_key.get_secret_value():
        return None
    values = {**env, "STRIPE_SECRET_KEY": settings.stripe_secret_key.get_secret_value()}
    if settings.stripe_webhook_secret is not None:
        values["STRIPE_WEBHOOK_SECRET"] = settings.stripe_webhook_secret.get_secret_value()
    if settings.stripe_api_base:
        values["STRIPE_API_BASE"] = settings.stripe_api_base
    provider: PaymentProvider = StripePayments(values)
    return provider


if TYPE_CHECKING:
    from redis.asyncio import Redis


@dataclass
class Deps:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis | None = None
    metrics: Metrics = field(default_factory=Metrics)
    http: HttpClient = field(default_factory=HttpClient)
    # Provider credentials (<PROVIDER>_... variables) from the environment and .env.
    provider_env: Mapping[str, str] = field(default_factory=dict)
    # Popular searches and today's rates, reused for a few seconds (see bot/cache.py).
    answers: TtlCache = field(default_factory=lambda: TtlCache(ttl=30, size=2048))
    # The user row every update starts with (see bot/user_cache.py).
    users: UserCache = field(default_factory=UserCache)
    _listener: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    # The user writes of many updates batched into few transactions (see bot/visits.py).
    visits: Visits = field(init=False, repr=False)
    # Which Telegram updates were answered (see bot/process/handled.py).
    handled: Handled = field(init=False, repr=False)

    # Checkout and payment events (see bot/process/payments.py); no provider: payments off.
    payments: Payments = field(init=False, repr=False)
    # Tracking numbers and courier updates (see bot/process/couriers.py).
    couriers: Couriers = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.visits = Visits(self.sessions)
        self.handled = Handled(self.sessions)
        self.payments = Payments(
            self.sessions, payment_provider(self.settings, self.provider_env),
            self.settings.public_base_url,
        )  # fmt: skip
        self.payments.tolerance_percent = self.settings.price_rise_tolerance_percent
        self.payments.refresh = self.refresh_live
        self.couriers = Couriers(self.sessions, courier_providers(self.provider_env, self.http))

    async def refresh_live(self, keys: list[tuple[str, str]]) -> live.Freshness:
        """Today's prices and stock of these products, from their marketplaces."""
        return await live.refresh(self.sessions, self.provider_env, self.http, keys)

    @classmethod
    def create(cls, settings: Settings) -> Deps:
        if not crypto.in_use():  # personal data columns need the keyring (bot/crypto.py)
            crypto.use(crypto.load_keyring(settings))
        engine = create_engine(settings.database_url)
        redis = None
        if settings.redis_url:
            from redis.asyncio import Redis

            redis = Redis.from_url(settings.redis_url)
        users = UserCache(redis)
        return cls(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine, info={CACHE: users}),
            redis=redis,
            provider_env=provider_env(),
            users=users,
        )

    async def start(self) -> None:
        """Background work of the process's services (listening for users changed elsewhere);
        stopped by close()."""
        if self._listener is None and self.redis is not None:
            self._listener = asyncio.get_running_loop().create_task(self.users.run())
            if not await self.users.subscribed(seconds=3):  # serve anyway, reading users
                log.warning("no Redis subscription yet: users are read from the database")

    async def close(self) -> None:
        await self.payments.close()
        await self.couriers.close()
        await self.visits.close()
        await self.handled.close()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        await self.users.close()
        await self.http.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()
