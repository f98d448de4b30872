"""Products as shoppers see them: found by a search, in their language."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.search import engine
from bot.search.engine import Results, Sort
from bot.search.filters import Filters
from bot.services import titles

NO_FILTERS = Filters()


async def search(
    session: AsyncSession,
    query: str,
    *,
    language: str = "en",
    filters: Filters = NO_FILTERS,
    sort: Sort = Sort.RELEVANCE,
) -> Results:
    """The search engine's ranked matches, with their titles' stored translations into
    `language`."""
    results = await engine.search(session, query, language=language, filters=filters, sort=sort)
    if language != "zh" and results.translated:
        results.titles = await titles.titles(session, results.translated, language)
    return results
