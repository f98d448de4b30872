"""Asking the translation provider for the variant values a shopper was shown untranslated
(bot/services/words.py; category names the translation job asks for itself). Nothing is
asked without a provider, or for a language TRANSLATE_LANGUAGES does not list."""

from __future__ import annotations

from collections.abc import Collection

from bot.services import words
from handlers.context import BotContext
from integrations import translate


async def want(context: BotContext, missing: Collection[str]) -> None:
    """Ask for `missing` in the user's language, if a provider will translate it."""
    deps = context.deps
    if not missing or not translate.configured(deps.provider_env):
        return
    language = words.language_for(context.t.locale, deps.settings.translate_languages)
    if language is not None:
        async with deps.sessions.begin() as session:
            await words.want(session, missing, language)
