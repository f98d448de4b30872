"""Sessions: writers take turns on SQLite, and a connection goes back to the pool clean."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, insert, select, text

from bot.db import utcnow
from bot.deps import Deps
from bot.models import User
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
