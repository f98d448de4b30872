from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.models import User
from bot.process.deps import Deps
from bot.services import users


async def test_touch_creates_once_and_tracks_language(deps: Deps) -> None:
    async with deps.sessions.begin() as s:
        first = await users.touch(s, 42, "ru")
    async with deps.sessions.begin() as s:
        again = await users.touch(s, 42, "de")
    async with deps.sessions() as s:
        rows = (await s.execute(select(User))).scalars().all()
    assert len(rows) == 1
    assert first.created_at == again.created_at
    assert rows[0].telegram_language == "de"


async def test_seen_at_is_not_written_on_every_message(deps: Deps) -> None:
    async with deps.sessions.begin() as s:
        u = await users.touch(s, 7, "en")
    assert users.needs_touch(None, "en")  # first contact
    assert not users.needs_touch(u, "en")  # seen a moment ago, same language: no write
    assert users.needs_touch(u, "ru")  # Telegram's language changed
    u.seen_at -= users.SEEN_RESOLUTION + timedelta(seconds=1)
    assert users.needs_touch(u, "en")  # seen long ago
    async with deps.sessions.begin() as s:
        again = await users.touch(s, 7, "en")
    assert again.seen_at > u.seen_at and again.created_at == u.created_at


async def test_choices_are_validated_and_stored(deps: Deps) -> None:
    async with deps.sessions.begin() as s:
        await users.touch(s, 1, "en")
        await users.set_language(s, 1, "ru")
        await users.set_currency(s, 1, "EUR")
        await users.set_country(s, 1, "DE")
    for setter, bad in (
        (users.set_language, "xx"),
        (users.set_currency, "usd"),
        (users.set_currency, "XXX"),
        (users.set_country, "ZZ"),
    ):
        with pytest.raises(users.InvalidChoice):
            async with deps.sessions.begin() as s:
                await setter(s, 1, bad)
    async with deps.sessions() as s:
        u = await s.get(User, 1)
    assert u is not None and (u.language, u.currency, u.country) == ("ru", "EUR", "DE")


def test_stored_language_wins_over_telegram() -> None:
    u = User(id=1, language="zh_Hans", telegram_language="ru")
    assert users.locale_of(u) == "zh_Hans"
    u.language = None
    assert users.locale_of(u) == "ru"
    assert users.locale_of(None, "pt-br") == "pt_BR"
    assert users.locale_of(None, "he") == "en"  # no Hebrew catalog: English


def test_currency_falls_back_to_country_then_default() -> None:
    u = User(id=1)
    assert users.currency_of(u, "USD") == "USD"
    u.country = "DE"
    assert users.currency_of(u, "USD") == "EUR"
    u.currency = "GBP"
    assert users.currency_of(u, "USD") == "GBP"


async def test_time_zone_follows_the_country_until_one_is_chosen(deps: Deps) -> None:
    async with deps.sessions.begin() as s:
        await users.touch(s, 77, "en")
    async with deps.sessions.begin() as s:
        user = await users.set_country(s, 77, "US")
        assert users.time_zone_of(user) == "America/New_York"
        user = await users.set_time_zone(s, 77, "America/Los_Angeles")
        assert users.time_zone_of(user) == "America/Los_Angeles"
        with pytest.raises(users.InvalidChoice):
            await users.set_time_zone(s, 77, "Mars/Olympus_Mons")
    async with deps.sessions.begin() as s:
        user = await users.set_country(s, 77, "DE")  # moved: LA no longer applies
        assert user.time_zone is None and users.time_zone_of(user) == "Europe/Berlin"
    moment = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert users.translator_for(user).date(moment, "short") == "1/1/27"  # Berlin's New Year
    assert users.translator_for(None).date(moment, "short") == "12/31/26"  # no country: UTC
