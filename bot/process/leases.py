"""Named leases in the database: one process of many runs a scheduled job at a time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import insert_ignore, utcnow
from bot.models import Lease


async def acquire(session: AsyncSession, name: str, holder: str, ttl: timedelta) -> bool:
    """Take `name` for `ttl` unless another holder has it and it has not expired."""
    now = utcnow()
    await insert_ignore(
        session, Lease.__table__, {"name": name, "holder": holder, "expires_at": now + ttl}
    )
    taken = await session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at <= now))
        .values(holder=holder, expires_at=now + ttl)
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


async def release(session: AsyncSession, name: str, holder: str) -> None:
    await session.execute(
        update(Lease).where(Lease.name == name, Lease.holder == holder).values(expires_at=utcnow())
    )
