"""Users: created on first contact; their language, currency and destination country."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n, regions
from bot.db import insert_ignore, utcnow
from bot.models import User

SEEN_RESOLUTION = timedelta(minutes=5)


class InvalidChoice(ValueError):
    """A language, currency or country the service does not offer."""


async def touch(session: AsyncSession, user_id: int, telegram_language: str | None) -> User:
    """The user row for `user_id`, created on first contact; keeps seen_at roughly current.

    Writes only on first contact, when Telegram's language changed or every few minutes, so a
    busy chat does not cost a write per message.
    """
    user = await session.get(User, user_id)
    if user is None:
        now = utcnow()
        await insert_ignore(
            session,
            User.__table__,
            {
                "id": user_id,
                "telegram_language": telegram_language,
                "created_at": now,
                "seen_at": now,
            },
        )
        user = await session.get(User, user_id, populate_existing=True)
        assert user is not None
        return user
    now = utcnow()
    if user.telegram_language != telegram_language or now - user.seen_at > SEEN_RESOLUTION:
        user.telegram_language = telegram_language
        user.seen_at = now
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
