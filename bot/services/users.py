"""Users: created on first contact; their language, currency and destination country."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n, regions
from bot.db import dialect_insert, note_written, utcnow
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
    """Create the user on first contact, else refresh telegram_language and seen_at."""
    return (await touch_many(session, {user_id: telegram_language}))[user_id]


TOUCH_CHUNK = 500  # rows per statement: 2,000 bound values, far below SQLite's limit


async def touch_many(session: AsyncSession, visits: Mapping[int, str | None]) -> dict[int, User]:
    """`touch` for many users (user id -> Telegram language) in few statements.

    INSERT ... ON CONFLICT DO UPDATE ... RETURNING: a write from the first statement (on SQLite
    a transaction that reads first and then writes can fail at once with "database is locked"
    when another writer is waiting) and one trip to the database per chunk.
    """
    now = utcnow()
    insert = dialect_insert(session)
    found: dict[int, User] = {}
    ids = sorted(visits)  # one order for every writer: no deadlock between two batches on PG
    for start in range(0, len(ids), TOUCH_CHUNK):
        chunk = ids[start : start + TOUCH_CHUNK]
        for user_id in chunk:
            note_written(session, User.__tablename__, user_id)
        stmt = insert(User).values(
            [
                {"id": i, "telegram_language": visits[i], "created_at": now, "seen_at": now}
                for i in chunk
            ]
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[User.id],
            set_={"telegram_language": stmt.excluded.telegram_language, "seen_at": now},
        ).returning(User)
        result = await session.execute(stmt, execution_options={"populate_existing": True})
        found.update((user.id, user) for user in result.scalars())
    return found


def locale_of(user: User | None, telegram_language: str | None = None) -> str:
    """The user's explicit choice wins over Telegram's language_code; English last."""
    if user is None:
        return i18n.negotiate(telegram_language)
    return i18n.negotiate(user.language, user.telegram_language or telegram_language)


def time_zone_of(user: User | None) -> str:
    """The chosen time zone, else the destination country's main one, else UTC."""
    if user is not None and user.time_zone:
        return user.time_zone
    return regions.main_zone(user.country if user is not None else None)


def translator_for(user: User | None, telegram_language: str | None = None) -> i18n.Translator:
    """What a message to `user` is written with: their language and their time zone."""
    return i18n.translator(locale_of(user, telegram_language), time_zone_of(user))


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
    note_written(session, User.__tablename__, user_id)
    setattr(user, column, value)
    return user


async def set_language(session: AsyncSession, user_id: int, locale: str) -> User:
    offered = locale in i18n.available_locales()
    return await _choose(session, user_id, "language", locale, offered)


async def set_currency(session: AsyncSession, user_id: int, currency: str) -> User:
    return await _choose(session, user_id, "currency", currency, regions.is_currency(currency))


async def set_time_zone(session: AsyncSession, user_id: int, zone: str) -> User:
    return await _choose(session, user_id, "time_zone", zone, regions.is_zone(zone))


async def set_country(session: AsyncSession, user_id: int, country: str) -> User:
    """Ship to `country`; a time zone chosen for another country gives way to this one's."""
    user = await _choose(session, user_id, "country", country, regions.is_country(country))
    if user.time_zone and user.time_zone not in regions.zones_of(country):
        user.time_zone = None
    return user
