"""DeepL machine translation: the marketplaces' Chinese product titles in the shoppers' languages.

Callers store what comes back, so each title is translated once per language and DeepL's
character quota is spent on new titles only.

Wire format (v2): ``POST {base}/v2/translate`` with ``Authorization: DeepL-Auth-Key <key>`` and
a JSON body ``{"text": [...], "target_lang": "EN-US", "source_lang": "ZH"}`` (no source_lang:
DeepL detects it). The answer is ``{"translations": [{"detected_source_language": "ZH",
"text": "..."}]}``, one per text, in the order sent; errors carry ``{"message": "..."}``.
Free keys end in ":fx" and only work on api-free.deepl.com.

Limits: at most 50 texts and 128 KiB of body per request, so longer input goes in chunks, one
after another; a monthly character quota (free: 500,000), counted in code points.
Statuses: 403 wrong key -> AuthFailed; 456 quota used up -> Rejected "quota_exceeded" (not
retried: it comes back with the billing period, not in seconds); 429 and 529 "too many
requests" -> RateLimited once HttpClient's retries are spent; 400/413/414 -> BadRequest;
5xx -> ServerError.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from integrations.base import Manifest
from integrations.errors import (
    IntegrationError,
    NotConfigured,
    RateLimited,
    Rejected,
    ServerError,
)
from integrations.http import HttpClient, Response
from integrations.translate.batching import encode, translate_each

NAME = "deepl"
PRO_BASE = "https://api.deepl.com"
FREE_BASE = "https://api-free.deepl.com"
MANIFEST = Manifest(
    name=NAME,
    title="DeepL",
    credentials=("DEEPL_AUTH_KEY",),
    optional=("DEEPL_API_BASE",),
    api_base=PRO_BASE,
)

# Where DeepL wants a variant and our locale has none (EN and PT alone are deprecated targets).
_TARGETS = {"en": "EN-US", "pt": "PT-BR", "zh": "ZH-HANS", "zh_hans": "ZH-HANS"}


def target_code(language: str) -> str:
    """Our language code as DeepL's target_lang: en -> EN-US, pt_PT -> PT-PT, ru -> RU."""
    key = language.replace("-", "_").lower()
    return _TARGETS.get(key) or key.replace("_", "-").upper()


def source_code(language: str) -> str:
    """Our language code as DeepL's source_lang, which has no variants: zh_Hans -> ZH."""
    return language.replace("-", "_").split("_")[0].upper()


def api_base(env: Mapping[str, str], key: str) -> str:
    """DEEPL_API_BASE, else the free or the pro host as the key says (free keys end in ":fx")."""
    default = FREE_BASE if key.endswith(":fx") else PRO_BASE
    return (env.get("DEEPL_API_BASE") or default).rstrip("/")


class DeepL:
    """The v2 text API; NotConfigured at once when DEEPL_AUTH_KEY is not set, so a deployment
    without a key finds out when it starts, not on the first title."""

    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        missing = MANIFEST.missing(env)
        if missing:
            raise NotConfigured(MANIFEST.name, missing)
        self.key = env["DEEPL_AUTH_KEY"]
        self.base = api_base(env, self.key)
        self.http = http

    async def translate(
        self, texts: Sequence[str], target: str, source: str | None = "zh"
    ) -> list[str]:
        """One translation per text, in input order. Empty texts stay empty and repeated
        texts are sent once (DeepL translates each text on its own, so nothing changes but
        the bill). `source` None lets DeepL detect the language."""
        envelope: dict[str, Any] = {"text": [], "target_lang": target_code(target)}
        if source is not None:
            envelope["source_lang"] = source_code(source)
        return await translate_each(texts, envelope, "text", self._send, NAME)

    async def _send(self, body: dict[str, Any]) -> list[str]:
        headers = {
            "Authorization": f"DeepL-Auth-Key {self.key}",
            "Content-Type": "application/json",
        }
        url = f"{self.base}/v2/translate"
        expected = len(body["text"])
        translations = partial(parse, expected=expected)
        try:
            return await self.http.call(
                NAME, "POST", url, parse=translations, data=encode(body), headers=headers
            )
        except IntegrationError as exc:
            own = _own_meaning(exc)
            if own is None:
                raise
            raise own from None


def parse(response: Response, expected: int) -> list[str]:
    """The translated texts; an answer of another shape or length is DeepL failing (retried)."""
    body = response.json(NAME)
    items = body.get("translations") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and isinstance(item.get("text"), str) for item in items
    ):
        raise ServerError("answer has no list of translations", provider=NAME, raw=body)
    if len(items) != expected:
        raise ServerError(
            f"{len(items)} translations for {expected} texts", provider=NAME, raw=body
        )
    return [item["text"] for item in items]


def _own_meaning(exc: IntegrationError) -> IntegrationError | None:
    """HttpClient maps statuses the generic way; DeepL gives 456 and 529 meanings of its own.
    (Mapped after the call rather than in `parse`, so HttpClient still retries 529 like any
    5xx with its Retry-After, and settles its circuit breaker on a 456 like on any 4xx.)"""
    message = _message(exc.raw)
    if exc.code == "456":
        return Rejected(
            f"the character quota is used up{message}",
            provider=NAME,
            code="quota_exceeded",
            raw=exc.raw,
        )
    if exc.code == "529":
        retry_after = getattr(exc, "retry_after", None)
        return RateLimited(
            f"too many requests{message}",
            provider=NAME,
            code="529",
            raw=exc.raw,
            retry_after=retry_after,
        )
    return None


def _message(raw: Any) -> str:
    """DeepL's ``{"message": ...}`` from an error body, as ": <message>", or ""."""
    try:
        found = json.loads(raw).get("message") if isinstance(raw, str) else None
    except (ValueError, AttributeError):
        return ""
    return f": {found}" if isinstance(found, str) and found else ""
