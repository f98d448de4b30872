"""Product titles in the shoppers' languages: translated once per version, stored, searchable.

The bundled term dictionary (bot/search) is the offline default: it glosses titles as they are
shown and carries queries in other languages to Chinese. With a translation provider configured
(DEEPL_AUTH_KEY), bot/sync/titles.py translates the titles that have no current translation,
in batches, and `store` keeps them: shown instead of the gloss, and their words go into
products.translated_terms, which the search index covers, so a query in the shopper's language
finds what the dictionary does not know. The provider is asked once per title and language; a
changed title is translated again (the stored translation names the original it was made from).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from sqlalchemy import Select, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import dialect_insert, utcnow
from bot.models import Product, ProductTitle
from bot.search.tokens import index_terms

K = TypeVar("K")

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


def reading(locale: str) -> list[str]:
    """The stored translations a reader of `locale` reads, best first: a regional locale's own
    (pt_BR, zh_Hant), then its language's (pt); none for Simplified Chinese, the catalog's."""
    if locale == "zh" or locale.startswith("zh_Hans"):
        return []
    return list(dict.fromkeys((locale, locale.split("_")[0])))


def best(rows: Iterable[tuple[K, str | None, str]], wanted: list[str]) -> dict[K, str]:
    """(key, text, language) rows -> key: the text in the first of `wanted` that has one."""
    found: dict[K, str] = {}
    for key, text, _ in sorted(rows, key=lambda r: wanted.index(r[2]), reverse=True):
        found[key] = text or ""  # the best language last, so it wins
    return found


async def titles(
    session: AsyncSession, product_ids: Sequence[int], language: str
) -> dict[int, str]:
    """Current translations of these products' titles for a reader of `language` (id ->
    title; see `reading`)."""
    wanted = reading(language)
    if not product_ids or not wanted:
        return {}
    rows = await session.execute(
        _current(product_ids)
        .add_columns(ProductTitle.language)
        .where(ProductTitle.language.in_(wanted))
    )
    return best(rows.all(), wanted)


def _current(product_ids: Sequence[int]) -> Select[int, str]:
    """(product id, title) of the current translations of these products."""
    return (
        select(ProductTitle.product_id, ProductTitle.title)
        .join(Product, CURRENT)
        .where(ProductTitle.product_id.in_(product_ids))
    )
