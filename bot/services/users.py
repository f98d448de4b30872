"""Users: created on first contact; their language, currency and destination country."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n, regions
from bot.db import insert_ignore, utcnow
from bot.models import User

SEEN_RESOLUTION = timedelta(minutes=5)


class InvalidChoice(ValueError):
    """A language, currency or country the service does not offer."""


def needs_touch(user: User | None, telegram_language: str | None) -> bool:
    """Whether `touch` has anything to write: first contact, a new Telegram language, or a
    seen_at older than a few minutes (a busy chat should not cost a write per message)."""
    if user is None:
        return True
    return user.telegram_language != telegram_language or utcnow() - user.seen_at > SEEN_RESOLUTION


async def touch(session: AsyncSession, user_id: int, telegram_language: str | None) -> User:
    """Create the user on first contact, else refresh telegram_language and seen_at.

    Writes before it reads: on SQLite a transaction that reads first and then writes can fail
    at once with "database is locked" when another writer is waiting (no busy wait applies).
    """
    now = utcnow()
    await insert_ignore(
        session,
        User.__table__,
        {"id": user_id, "telegram_language": telegram_language, "created_at": now, "seen_at": now},
    )
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(telegram_language=telegram_language, seen_at=now)
    )
    user = await session.get(User, user_id, populate_existing=True)
    assert user is not None
    return user


def locale_of(user: User | None, telegram_language: str | None = None) -> str:
    """The user's explicit choice wins over Telegram's language_code; English last."""
    if user is None:
        return i18n.negotiate(telegram_language)
    return i18n.negotiate(user.language, user.telegram_language or telegram_language)


def currency_of(user: User | None, default: str) -> str:
    """Chosen currency, else the destination country's, else the service default."""
    if user is not None and user.currency:
        return user.currency
    if user is not None and user.country:
        return regions.country_currency(user.country) or default
    return default


async def _choose(
    session: AsyncSession, user_id: int, column: str, value: str, offered: bool
) -> User:
    if not offered:
        raise InvalidChoice(value)
    user = await session.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} not found")
    setattr(user, column, value)
    return user


async def set_language(session: AsyncSession, user_id: int, locale: str) -> User:
    offered = locale in i18n.available_locales()
    return await _choose(session, user_id, "language", locale, offered)


async def set_currency(session: AsyncSession, user_id: int, currency: str) -> User:
    return await _choose(session, user_id, "currency", currency, regions.is_currency(currency))


async def set_country(session: AsyncSession, user_id: int, country: str) -> User:
    return await _choose(session, user_id, "country", country, regions.is_country(country))
