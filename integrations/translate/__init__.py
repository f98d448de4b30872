"""Machine translation providers: DeepL (DEEPL_AUTH_KEY) or a self-hosted LibreTranslate
(LIBRETRANSLATE_URL). Both translate a list of texts into one language and keep their order;
callers store what comes back, so each text is translated once per language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from integrations.errors import NotConfigured
from integrations.http import HttpClient


class Translator(Protocol):
    async def translate(
        self, texts: Sequence[str], target: str, source: str | None = "zh"
    ) -> list[str]: ...


def configured(env: Mapping[str, str]) -> bool:
    return bool(env.get("DEEPL_AUTH_KEY") or env.get("LIBRETRANSLATE_URL"))


def provider(env: Mapping[str, str], http: HttpClient) -> tuple[str, Translator]:
    """The configured provider and its name: DeepL when it has a key, else LibreTranslate;
    NotConfigured when neither is."""
    from integrations.translate import deepl, libretranslate

    if env.get("DEEPL_AUTH_KEY"):
        return deepl.NAME, deepl.DeepL(env, http)
    if env.get("LIBRETRANSLATE_URL"):
        return libretranslate.NAME, libretranslate.LibreTranslate(env, http)
    raise NotConfigured("translation", ("DEEPL_AUTH_KEY or LIBRETRANSLATE_URL",))
