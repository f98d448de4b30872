"""Translating product titles in batches: the work behind `shopbot translate` and its scheduled
job. Each batch is read, sent to the provider and stored in its own transaction, so what was
stored before a failure stays (see bot/services/titles.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.titles import pending, store

BATCH = 50  # titles per provider request (DeepL takes up to 50)


class TitleTranslator(Protocol):
    async def translate(
        self, texts: Sequence[str], target: str, source: str | None = "zh"
    ) -> list[str]: ...


@dataclass
class Report:
    translated: dict[str, int] = field(default_factory=dict)  # language -> titles
    requests: int = 0

    def summary(self) -> str:
        done = ", ".join(f"{n} into {lang}" for lang, n in self.translated.items()) or "none"
        return f"titles translated: {done} ({self.requests} provider requests)"


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
