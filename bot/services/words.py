"""Short catalog texts in the shoppers' languages: variant values (酒红色, 0.5米) and category
names, beside the product titles of bot/services/titles.py.

The offline default is the dictionary's gloss (bot/search/gloss.py). With a translation provider
configured, a text a shopper is shown without a stored translation is *wanted* (a row without
text); bot/sync/translation.py translates the wanted ones in batches, once per language, and
every later reader gets the stored text. A regional locale (pt_BR) reads its own translation,
else its language's (pt), like titles (`titles.reading`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import dialect_insert, utcnow
from bot.models import WordTranslation
from bot.services import titles

MAX_SOURCE = 255  # longer texts are not words: left to the gloss


def language_for(locale: str, configured: Collection[str]) -> str | None:
    """The translation language a reader of `locale` is served from, among `configured`
    (TRANSLATE_LANGUAGES): the locale itself, else its language; None when neither is."""
    return next((code for code in titles.reading(locale) if code in configured), None)


async def lookup(session: AsyncSession, sources: Collection[str], locale: str) -> dict[str, str]:
    """The stored translations of `sources` for a reader of `locale` (source -> text)."""
    sources = [s for s in set(sources) if s and len(s) <= MAX_SOURCE]
    wanted = titles.reading(locale)
    if not sources or not wanted:
        return {}
    rows = await session.execute(
        select(WordTranslation.source, WordTranslation.text, WordTranslation.language).where(
            WordTranslation.source.in_(sources),
            WordTranslation.language.in_(wanted),
            WordTranslation.text.is_not(None),
        )
    )
    return titles.best(rows.all(), wanted)


async def want(session: AsyncSession, sources: Collection[str], language: str) -> None:
    """Ask for `sources` in `language` (those already asked for or stored stay as they are)."""
    rows = [
        {"source": s, "language": language, "wanted_at": utcnow()}
        for s in sorted(set(sources))
        if s and len(s) <= MAX_SOURCE
    ]
    if rows:
        insert = dialect_insert(session)
        await session.execute(insert(WordTranslation).values(rows).on_conflict_do_nothing())


async def pending(session: AsyncSession, language: str, limit: int) -> list[str]:
    """Texts wanted in `language` and not translated yet, oldest first."""
    rows = await session.scalars(
        select(WordTranslation.source)
        .where(WordTranslation.language == language, WordTranslation.text.is_(None))
        .order_by(WordTranslation.wanted_at, WordTranslation.source)
        .limit(limit)
    )
    return list(rows)


async def store(
    session: AsyncSession, language: str, provider: str, pairs: Sequence[tuple[str, str]]
) -> None:
    """Keep (source, translation) pairs for `language`."""
    if not pairs:
        return
    insert = dialect_insert(session)
    stmt = insert(WordTranslation).values(
        [
            {"source": s, "language": language, "text": t, "provider": provider,
             "wanted_at": utcnow()}
            for s, t in pairs
        ]
    )  # fmt: skip
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[WordTranslation.source, WordTranslation.language],
            set_={"text": stmt.excluded.text, "provider": stmt.excluded.provider},
        )
    )
