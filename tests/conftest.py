"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when DATABASE_URL says so)
and Redis when REDIS_URL is set, and the real Application against the local Bot API server.
Every test starts from empty tables."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot import crypto, migrate
from bot.config import Settings, load_settings
from bot.db import Base, create_engine
from bot.playground.botapi.server import LocalBotApi
from bot.process.deps import Deps
from bot.search import kernel
from bot.telegram.app import ShopbotApplication
from handlers import wiring
from tests.support import started

SERVER_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL") or None


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgresql", "postgres"))


async def _admin(url: str, sql: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _data_key() -> Iterator[None]:
    """A throwaway key for the personal-data columns (no key file left in the checkout)."""
    previous = crypto.use(crypto.Keyring.parse(crypto.generate_key()))
    yield
    crypto.use(previous)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database for this test session, dropped at the end."""
    if _is_postgres(SERVER_URL):
        server = load_settings(database_url=SERVER_URL, _env_file=None).database_url
        name = f"shopbot_test_{uuid.uuid4().hex[:10]}"
        asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
    else:
        name = ""
        server = ""
        url = f"sqlite+aiosqlite:///{Path(tmp_path_factory.mktemp('db')) / 'test.db'}"
    asyncio.run(_migrate(url))
    yield url
    if name:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(
        _env_file=None,
        database_url=database_url,
        redis_url=REDIS_URL,
        telegram_bot_token="123456:PLAYGROUND-TOKEN",
        http_port=0,
    )


@pytest.fixture
async def deps(settings: Settings) -> AsyncIterator[Deps]:
    """Services over the session's database."""
    async with started(settings) as d:
        yield d


TOKEN = "123456:PLAYGROUND-TOKEN"


@pytest.fixture
async def botapi() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi(TOKEN) as api:
        yield api


@pytest.fixture
async def app(deps: Deps, botapi: LocalBotApi) -> AsyncIterator[ShopbotApplication]:
    application = wiring.build(deps, token=TOKEN, base_url=botapi.base_url, polling=False)
    async with application:
        yield application


@pytest.fixture(autouse=True)
async def _empty_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test that touched the database (in-process or in a child) leaves it empty, and
    no token counts of it kept: they would steer the next test's search walks."""
    yield
    kernel.forget_counts()
    if "settings" not in request.fixturenames:
        return
    engine = create_engine(request.getfixturevalue("database_url"))
    async with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(table.delete())
    await engine.dispose()
