"""Sessions: writers take turns on SQLite, and a connection goes back to the pool clean."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from bot.db import CONNECT_SECONDS, create_engine, session_factory, utcnow
from bot.faults import infrastructure
from bot.models import User
from bot.process.deps import Deps
from bot.services import users


async def test_many_first_contacts_at_once_are_all_recorded(deps: Deps) -> None:
    async def first_contact(user_id: int) -> None:
        async with deps.sessions.begin() as s:
            await users.touch(s, user_id, "en")

    await asyncio.gather(*(first_contact(i) for i in range(1, 201)))
    async with deps.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == 200


async def test_writing_transactions_take_turns_on_sqlite(deps: Deps) -> None:
    inside: list[int] = []
    most = 0

    async def write(user_id: int) -> None:
        nonlocal most
        async with deps.sessions.begin() as s:
            inside.append(user_id)
            most = max(most, len(inside))
            await users.touch(s, user_id, "en")
            await asyncio.sleep(0.005)  # other writers get every chance to start meanwhile
            inside.remove(user_id)

    await asyncio.gather(*(write(i) for i in range(1, 11)))
    sqlite = deps.engine.dialect.name == "sqlite"
    assert most == 1 if sqlite else most > 1  # PostgreSQL writers run side by side


async def test_a_connection_left_in_a_transaction_comes_back_clean(deps: Deps) -> None:
    async with deps.engine.connect() as conn:
        await conn.execute(
            insert(User).values(id=77, created_at=utcnow(), seen_at=utcnow())
        )  # never committed
    async with deps.engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM users WHERE id = 77"))
    assert count == 0
    async with deps.sessions.begin() as s:  # and the database is not left locked
        await users.touch(s, 78, "en")


async def test_a_pooled_connection_the_server_closed_is_not_handed_out(database_url: str) -> None:
    """A restart or a terminated backend closes pooled PostgreSQL connections; the next
    session gets a live one instead of an error (without a ping round trip per checkout)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's connection pool")
    engine = create_engine(database_url)
    admin = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        async with sessions() as s:
            first = await s.scalar(text("SELECT pg_backend_pid()"))
        async with admin.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            for _ in range(500):  # until the backend has gone (its goodbye is then on the wire)
                gone = await conn.execute(
                    text("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": first},
                )
                if gone.scalar_one():
                    break
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # the event loop reads it
        async with sessions() as s:
            second = await s.scalar(text("SELECT pg_backend_pid()"))
        assert second is not None and second != first
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_postgresql_plans_each_statement_for_its_values_and_never_compiles_one(
    database_url: str,
) -> None:
    """Generic plans and JIT cost browsing and search at 1M products 20x-100x (bot/db.py);
    both are set off per connection, and a caller's own server settings are kept beside."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's planner settings")
    settings = {"application_name": "shopbot-test"}
    engine = create_engine(database_url, connect_args={"server_settings": settings})
    try:
        async with engine.connect() as conn:
            shown = [
                (await conn.execute(text(f"SHOW {name}"))).scalar_one()
                for name in ("plan_cache_mode", "jit", "application_name")
            ]
    finally:
        await engine.dispose()
    assert shown == ["force_custom_plan", "off", "shopbot-test"]


async def test_no_statement_waits_on_postgresql_without_end(database_url: str) -> None:
    """A frozen or overloaded server fails the statement within the timeout, as a failure of
    the infrastructure (the update comes again later); migrations may run without one."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's statement timeout")
    engine = create_engine(database_url, statement_timeout=0.2)
    unlimited = create_engine(database_url, statement_timeout=None)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SHOW statement_timeout"))).scalar_one() == "200ms"
            with pytest.raises(DBAPIError) as stopped:
                await conn.execute(text("SELECT pg_sleep(2)"))
        assert infrastructure(stopped.value)
        assert engine.pool.timeout() == CONNECT_SECONDS  # waiting for a free connection, too
        async with unlimited.connect() as conn:
            assert (await conn.execute(text("SHOW statement_timeout"))).scalar_one() == "0"
    finally:
        await engine.dispose()
        await unlimited.dispose()
