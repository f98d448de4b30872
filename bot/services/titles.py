"""Product titles in the shoppers' languages: translated once per version, stored, searchable.

The bundled term dictionary (bot/search) is the offline default: it glosses titles as they are
shown and carries queries in other languages to Chinese. With a translation provider configured
(DEEPL_AUTH_KEY), `translate_pending` translates the titles that have no current translation,
in batches, and stores them: shown instead of the gloss, and their words go into
products.translated_terms, which the search index covers, so a query in the shopper's language
finds what the dictionary does not know. The provider is asked once per title and language; a
changed title is translated again (the stored translation names the original it was made from).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Select, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import dialect_insert, utcnow
from bot.models import Product, ProductTitle
from bot.search.tokens import index_terms

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


# A translation is current while the title it was made from is still the product's title.
CURRENT = and_(ProductTitle.product_id == Product.id, ProductTitle.original == Product.title)


async def pending(session: AsyncSession, language: str, limit: int) -> list[tuple[int, str]]:
    """Available products without a translation of their current title, newest first."""
    rows = await session.execute(
        select(Product.id, Product.title)
        .outerjoin(ProductTitle, and_(CURRENT, ProductTitle.language == language))
        .where(Product.available.is_(True), ProductTitle.product_id.is_(None))
        .order_by(Product.id.desc())
        .limit(limit)
    )
    return [(pid, title) for pid, title in rows.all()]


async def store(
    session: AsyncSession,
    language: str,
    provider: str,
    translations: Sequence[tuple[int, str, str]],
) -> None:
    """Keep (product id, original title, translated title) rows and re-index their words."""
    if not translations:
        return
    now = utcnow()
    insert = dialect_insert(session)
    stmt = insert(ProductTitle).values(
        [
            {"product_id": pid, "language": language, "title": title, "original": original,
             "provider": provider, "translated_at": now}
            for pid, original, title in translations
        ]
    )  # fmt: skip
    excluded = stmt.excluded
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[ProductTitle.product_id, ProductTitle.language],
            set_={
                "title": excluded.title,
                "original": excluded.original,
                "provider": excluded.provider,
                "translated_at": excluded.translated_at,
            },
        )
    )
    await reindex(session, [pid for pid, _, _ in translations])


async def reindex(session: AsyncSession, product_ids: Sequence[int]) -> None:
    """products.translated_terms from the current translations of these products."""
    found: dict[int, list[str]] = {pid: [] for pid in product_ids}
    for pid, title in (await session.execute(_current(product_ids))).all():
        found[pid].append(title)
    await session.execute(  # one executemany, by primary key
        update(Product),
        [{"id": pid, "translated_terms": index_terms(*texts)} for pid, texts in found.items()],
    )


async def titles(
    session: AsyncSession, product_ids: Sequence[int], language: str
) -> dict[int, str]:
    """Current translations into `language` of these products' titles (id -> title)."""
    if not product_ids:
        return {}
    rows = await session.execute(_current(product_ids).where(ProductTitle.language == language))
    return {pid: title for pid, title in rows.all()}


def _current(product_ids: Sequence[int]) -> Select[int, str]:
    """(product id, title) of the current translations of these products."""
    return (
        select(ProductTitle.product_id, ProductTitle.title)
        .join(Product, CURRENT)
        .where(ProductTitle.product_id.in_(product_ids))
    )


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
