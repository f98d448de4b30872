"""The groups and channels the bot is in: noticed when it is added or removed
(my_chat_member), configured by their admins (language, currency, categories, digest)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.db import insert_ignore, utcnow

KINDS = frozenset({"group", "supergroup", "channel"})
DIGESTS = ("off", "daily", "weekly")
SETTABLE = frozenset({"language", "currency", "categories", "digest"})


class CommunityError(ValueError):
    """Not a community the bot is in, or a setting it does not have."""


async def joined(
    session: AsyncSession, chat_id: int, kind: str, title: str, added_by: int | None
) -> models.Community:
    """The bot is in `chat_id` (added, or seen there): its Community, active."""
    if kind not in KINDS:
        raise CommunityError(f"{kind} is not a group or channel")
    now = utcnow()
    await insert_ignore(
        session, cast(Table, models.Community.__table__),
        {"chat_id": chat_id, "kind": kind, "title": title[:255], "active": True,
         "language": "en", "currency": "USD", "categories": [], "digest": "off",
         "added_by": added_by, "created_at": now, "updated_at": now},
    )  # fmt: skip
    community = await session.get(models.Community, chat_id, populate_existing=True)
    assert community is not None
    community.active, community.kind, community.title = True, kind, title[:255]
    community.updated_at = now
    return community


async def left(session: AsyncSession, chat_id: int) -> bool:
    """The bot was removed (or the group became a supergroup): nothing more is posted there."""
    done = await session.execute(
        update(models.Community)
        .where(models.Community.chat_id == chat_id, models.Community.active.is_(True))
        .values(active=False, updated_at=utcnow())
        .returning(models.Community.chat_id)
    )
    return done.first() is not None


async def get(session: AsyncSession, chat_id: int) -> models.Community | None:
    return await session.get(models.Community, chat_id)


async def all_active(session: AsyncSession) -> list[models.Community]:
    """The communities the bot is still in, by title."""
    found = await session.execute(
        select(models.Community)
        .where(models.Community.active.is_(True))
        .order_by(models.Community.title, models.Community.chat_id)
    )
    return list(found.scalars())


async def configure(session: AsyncSession, chat_id: int, **values: Any) -> models.Community:
    """Change a community's settings (its admin checked by the caller)."""
    unknown = set(values) - SETTABLE
    if unknown:
        raise CommunityError(f"no setting {', '.join(sorted(unknown))}")
    if "digest" in values and values["digest"] not in DIGESTS:
        raise CommunityError(f"digest: one of {', '.join(DIGESTS)}")
    community = await session.get(models.Community, chat_id)
    if community is None or not community.active:
        raise CommunityError(f"the bot is not in chat {chat_id}")
    for name, value in values.items():
        setattr(community, name, value)
    community.updated_at = utcnow()
    return community
