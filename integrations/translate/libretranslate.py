"""LibreTranslate machine translation: a self-hosted alternative to DeepL for the marketplaces'
Chinese product titles, with the same `translate` (integrations/translate/__init__.py).

Callers store what comes back, so each title is translated once per language; the server is
ours, so what a request costs is its CPU time, not a bill.

Wire format (libretranslate/app.py): ``POST {LIBRETRANSLATE_URL}/translate`` with a JSON body
``{"q": [...], "source": "zh", "target": "en", "format": "text", "api_key": "..."}``
(``source`` "auto": the server detects it; ``api_key`` only where the server has keys). The
answer is ``{"translatedText": [...]}``, one per text in the order sent (a plain string when
``q`` was one; with "auto" also ``detectedLanguage``); errors carry ``{"error": "..."}``, in the
language of the request's Accept-Language, so they are shown, never matched on. The API key
travels in the body, never in the URL, and is taken out of every error this module raises.

Language codes: the server's models are Argos Translate's, which call Simplified Chinese "zh",
Traditional Chinese "zt" and Brazilian Portuguese "pb". Since 1.7.2 (April 2025) the server
lists them as "zh-Hans", "zh-Hant" and "pt-BR" in /languages and maps those back to "zh", "zt"
and "pb" on the way in (case-insensitively), so the short codes are what both old and new
servers accept: we send zh_Hans/zh -> "zh", zh_Hant -> "zt", pt_BR -> "pb". A server without
the "pb" model refuses it (400 "pb is not supported"; it falls back to "pt" only for a detected
source): install the model rather than get European Portuguese unasked. Other locales are
their language (en, ru, ja, ...; en_GB -> en: LibreTranslate has no regional English).

Limits: none by default; a server may set --char-limit (characters of one text, counted in
code points), --batch-limit (texts in one request) and --req-limit (requests a minute, a batch
costing one per text). We send at most 50 texts and 128 KiB of body per request (proxies in
front often cap bodies at 1 MiB), so longer input goes in chunks, one after another.
Statuses: 403 unknown API key or banned client -> AuthFailed; 400 bad parameters, unsupported
language, a text over the char limit, and a missing key where the server requires one ->
BadRequest; 429 "Slowdown" -> RateLimited once HttpClient's retries are spent; 5xx ->
ServerError.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from integrations.base import Manifest
from integrations.errors import (
    IntegrationError,
    NotConfigured,
    ServerError,
    Unavailable,
)
from integrations.http import HttpClient, Policy, Response
from integrations.translate.batching import encode, translate_each

NAME = "libretranslate"
# Argos on a CPU takes seconds per batch: a minute for one request, two retries (a deployment
# may still configure its own policy for the provider).
POLICY = Policy(timeout=60.0, retries=2)
MANIFEST = Manifest(
    name=NAME,
    title="LibreTranslate",
    credentials=("LIBRETRANSLATE_URL",),
    optional=("LIBRETRANSLATE_API_KEY",),
    api_base="",  # self-hosted: LIBRETRANSLATE_URL is the base, there is no default host
)

# Where LibreTranslate's code is not our locale's language (see the module docstring).
_CODES = {
    "pt_br": "pb",
    "zh_hans": "zh",
    "zh_cn": "zh",
    "zh_hant": "zt",
    "zh_tw": "zt",
    "zh_hk": "zt",
}
_HIDDEN = "***"


def language_code(language: str) -> str:
    """Our language code as LibreTranslate's source or target: pt_BR -> pb, zh_Hant -> zt,
    zh_Hans -> zh, ru -> ru, en_GB -> en."""
    key = language.replace("-", "_").lower()
    return _CODES.get(key) or key.split("_")[0]


def api_base(env: Mapping[str, str]) -> str:
    """LIBRETRANSLATE_URL without its trailing slash; NotConfigured unless it is an http(s)
    URL with a host (a path, for a server behind a prefix, is kept)."""
    url = (env.get("LIBRETRANSLATE_URL") or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotConfigured(NAME, ["LIBRETRANSLATE_URL as an http:// or https:// URL"])
    return url.rstrip("/")


class LibreTranslate:
    """The /translate API of a LibreTranslate server; NotConfigured at once when
    LIBRETRANSLATE_URL is not set (or not a URL), so a deployment without a server finds out
    when it starts, not on the first title. LIBRETRANSLATE_API_KEY is sent when set."""

    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        missing = MANIFEST.missing(env)
        if missing:
            raise NotConfigured(MANIFEST.name, missing)
        self.base = api_base(env)
        self.key = env.get("LIBRETRANSLATE_API_KEY") or ""
        self.http = http
        http.suggest(NAME, POLICY)

    async def translate(
        self, texts: Sequence[str], target: str, source: str | None = "zh"
    ) -> list[str]:
        """One translation per text, in input order. Empty texts stay empty and repeated
        texts are sent once (each text is translated on its own, so nothing changes but the
        server's work). `source` None lets the server detect the language ("auto")."""
        envelope: dict[str, Any] = {
            "q": [],
            "source": "auto" if source is None else language_code(source),
            "target": language_code(target),
            "format": "text",
        }
        if self.key:
            envelope["api_key"] = self.key
        return await translate_each(texts, envelope, "q", self._send, NAME)

    async def _send(self, body: dict[str, Any]) -> list[str]:
        headers = {"Content-Type": "application/json"}  # else the server reads a form
        url = f"{self.base}/translate"
        translations = partial(parse, expected=len(body["q"]), key=self.key)
        try:
            return await self.http.call(
                NAME, "POST", url, parse=translations, data=encode(body), headers=headers
            )
        except IntegrationError as exc:
            own = _own_meaning(exc, self.key)
            if own is None:
                raise
            raise own from None


def parse(response: Response, expected: int, key: str = "") -> list[str]:
    """The translated texts; an answer of another shape or length is the server failing
    (retried). Nothing of `key` gets into the errors, nor so into HttpClient's retry log."""
    try:
        body = json.loads(response.body)
    except ValueError:  # UnicodeDecodeError included
        snippet = _hide(response.text(), key)[:80]
        raise ServerError(f"answer is not JSON: {snippet!r}", provider=NAME) from None
    items = body.get("translatedText") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ServerError(
            "answer has no list of translations", provider=NAME, raw=_hidden(body, key)
        )
    if len(items) != expected:
        raise ServerError(
            f"{len(items)} translations for {expected} texts",
            provider=NAME,
            raw=_hidden(body, key),
        )
    return items


def _own_meaning(exc: IntegrationError, key: str) -> IntegrationError | None:
    """HttpClient maps the statuses the generic way (403 AuthFailed, 429 RateLimited, 400
    BadRequest, 5xx ServerError) and says only "HTTP 400"; the server says why in
    ``{"error": ...}``, which goes into the message. The same error class and code, without
    `key` in message or raw; None when there is nothing to change. (Mapped after the call
    rather than in `parse`, so HttpClient still retries 429 and 5xx and settles its circuit
    breaker on a 4xx.)"""
    said = _message(exc.raw) if exc.code and exc.code.isdigit() else ""
    message = _hide(f"{exc.args[0]}{said}", key)
    raw = _hidden(exc.raw, key)
    if message == exc.args[0] and raw is exc.raw:
        return None
    extra: dict[str, Any] = {}
    if isinstance(exc, Unavailable):
        extra["retry_after"] = exc.retry_after
    return type(exc)(message, provider=exc.provider, code=exc.code, raw=raw, **extra)


def _message(raw: Any) -> str:
    """The server's ``{"error": ...}`` from an error body, as ": <error>", or ""."""
    try:
        found = json.loads(raw).get("error") if isinstance(raw, str) else None
    except (ValueError, AttributeError):
        return ""
    return f": {found}" if isinstance(found, str) and found else ""


def _hide(text: str, key: str) -> str:
    """`text` with `key` replaced, and with the start of it replaced at the end of a text
    cut short (HttpClient keeps the first 500 characters of an error body)."""
    if not key:
        return text
    text = text.replace(key, _HIDDEN)
    for length in range(len(key) - 1, 3, -1):
        if text.endswith(key[:length]):
            return text[:-length] + _HIDDEN
    return text


def _hidden(raw: Any, key: str) -> Any:
    """An error's raw payload without `key`: the same object when the key is not in it, else
    its text with the key replaced."""
    if not key or raw is None:
        return raw
    if isinstance(raw, str):
        hidden = _hide(raw, key)
        return raw if hidden == raw else hidden
    text = json.dumps(raw, ensure_ascii=False, default=str)
    return _hide(text, key) if key in text else raw
