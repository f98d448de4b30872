"""Translating product titles, then the catalog's short words (variant values shoppers were
shown, category names) in batches: the work behind `shopbot translate` and its scheduled job.
Each batch is read, sent to the provider and stored in its own transaction, so what was stored
before a failure stays (see bot/services/titles.py and bot/services/words.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import categories, words
from bot.services.titles import pending, store

BATCH = 50  # titles per provider request (DeepL takes up to 50)


class TitleTranslator(Protocol):
    async def translate(
        self, texts: Sequence[str], target: str, source: str | None = "zh"
    ) -> list[str]: ...


@dataclass
class Report:
    translated: dict[str, int] = field(default_factory=dict)  # language -> titles
    words: dict[str, int] = field(default_factory=dict)  # language -> variant values, categories
    requests: int = 0

    def summary(self) -> str:
        done = ", ".join(f"{n} into {lang}" for lang, n in self.translated.items()) or "none"
        short = ", ".join(f"{n} into {lang}" for lang, n in self.words.items()) or "none"
        return f"titles translated: {done}; words: {short} ({self.requests} provider requests)"


async def translate_pending(
    sessions: async_sessionmaker[AsyncSession],
    translator: TitleTranslator,
    provider: str,
    languages: Sequence[str],
    *,
    limit: int | None = None,
    progress: Callable[[str, int], Awaitable[None] | None] | None = None,
) -> Report:
    """Translate and store every title lacking a current translation (at most `limit` per
    language), BATCH titles per request; stops at the first provider error, keeping what was
    stored before it (the next run goes on from there)."""
    report = Report()
    for language in languages:
        done = 0
        while limit is None or done < limit:
            size = BATCH if limit is None else min(BATCH, limit - done)
            async with sessions() as session:
                todo = await pending(session, language, size)
            if not todo:
                break
            translated = await translator.translate([t for _, t in todo], language, "zh")
            report.requests += 1
            rows = [(pid, old, new) for (pid, old), new in zip(todo, translated, strict=True)]
            async with sessions.begin() as session:
                await store(session, language, provider, rows)
            done += len(todo)
            report.translated[language] = done
            if progress is not None:
                outcome = progress(language, done)
                if outcome is not None:
                    await outcome
    return report


async def translate_words(
    sessions: async_sessionmaker[AsyncSession],
    translator: TitleTranslator,
    provider: str,
    languages: Sequence[str],
    report: Report,
) -> None:
    """Translate every wanted word (bot/services/words.py) and the catalog's category names,
    BATCH a request, into each language; stops at the first provider error like titles."""
    async with sessions() as session:
        names = (await categories.tree(session)).names()
    for language in languages:
        async with sessions.begin() as session:
            await words.want(session, names, language)
        done = 0
        while True:
            async with sessions() as session:
                todo = await words.pending(session, language, BATCH)
            if not todo:
                break
            translated = await translator.translate(todo, language, "zh")
            report.requests += 1
            async with sessions.begin() as session:
                await words.store(
                    session, language, provider, list(zip(todo, translated, strict=True))
                )
            done += len(todo)
            report.words[language] = done
