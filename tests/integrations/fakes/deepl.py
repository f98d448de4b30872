"""A fake DeepL text API (tests only): ``POST /v2/translate`` with a JSON body, v2 wire format.

Enforced as DeepL documents it: ``Authorization: DeepL-Auth-Key <key>`` (403 otherwise; a key
of the other plan gets DeepL's "Wrong endpoint" message), bodies of at most 128 KiB (413),
``text`` a non-empty list of strings, ``target_lang`` and the optional ``source_lang`` from
DeepL's lists, case-insensitive (400; EN and PT alone are deprecated targets DeepL still
accepts), and a character ``quota`` counted in code points (456 for a request that would go
over it; nothing of that request is translated or counted). Errors are ``{"message": ...}``;
the message texts, 403 for a missing header and 413 for more than 50 texts (the docs give the
limit, not the status) are this fake's guesses.

"Translation" is deterministic: the ``GLOSSARY`` words in the target's language, anything
else as ``[<TARGET>] <text>``. ``plan`` (see server.py) takes a step per request, with
Retry-After: 1, plus "529" (DeepL's other "too many requests") and "short" (one translation
fewer than texts). ``calls`` records every request.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.integrations.fakes.server import FakeServer, answer

AUTH_KEY = "f63c02c5-f056-4b5e-9d4b-1c1a2d3e4f50:fx"  # a free key, by its suffix
MAX_BODY = 128 * 1024
MAX_TEXTS = 50
_SOURCES = (
    "AR BG CS DA DE EL EN ES ET FI FR HU ID IT JA KO LT LV NB NL PL PT RO RU SK SL SV TR UK ZH"
)
SOURCES = frozenset(_SOURCES.split())  # no variants: EN-US is a target only
TARGETS = SOURCES | {"EN-GB", "EN-US", "PT-BR", "PT-PT", "ZH-HANS", "ZH-HANT"}
GLOSSARY: dict[str, dict[str, str]] = {
    "手机壳": {"EN": "phone case", "RU": "чехол для телефона", "DE": "Handyhülle"},
    "保温杯": {"EN": "thermos", "RU": "термос", "DE": "Thermosflasche"},
    "帆布包": {"EN": "canvas bag", "RU": "холщовая сумка", "DE": "Canvas-Tasche"},
}
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class Call:
    """One request as received: the Authorization header, the JSON body (None when the body
    is not JSON) and its size in bytes."""

    authorization: str
    body: Any
    size: int

    @property
    def texts(self) -> list[str]:
        text = self.body.get("text") if isinstance(self.body, dict) else None
        return text if isinstance(text, list) else []


def refusal(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


@dataclass
class FakeDeepL(FakeServer[Call]):
    retry_after = "1"

    auth_key: str = AUTH_KEY
    quota: int | None = None  # characters left to translate; None: no limit
    used: int = 0  # characters translated so far
    glossary: dict[str, dict[str, str]] = field(default_factory=lambda: dict(GLOSSARY))

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v2/translate", self._translate)

    async def _translate(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        self.calls.append(Call(request.headers.get("Authorization", ""), body, len(raw)))
        return (
            await self.misbehave()
            or self._auth(request.headers.get("Authorization", ""))
            or self._invalid(body, len(raw))
            or self._over_quota(body)
            or self._answer(body)
        )

    def misbehaviour(self, step: str) -> web.Response:
        if step == "529":
            headers = {"Retry-After": self.retry_after}
            return web.json_response({"message": "Too many requests"}, status=529, headers=headers)
        if step == "short":
            body = self.calls[-1].body
            return self._answer(body | {"text": self.calls[-1].texts[:-1]})
        return super().misbehaviour(step)

    def _auth(self, header: str) -> web.Response | None:
        scheme, _, key = header.partition(" ")
        if scheme == "DeepL-Auth-Key" and key == self.auth_key:
            return None
        if scheme == "DeepL-Auth-Key" and key.endswith(":fx") != self.auth_key.endswith(":fx"):
            host = "https://api-free.deepl.com" if key.endswith(":fx") else "https://api.deepl.com"
            return refusal(403, f"Wrong endpoint. Use {host}")
        return refusal(403, "Forbidden")

    def _invalid(self, body: Any, size: int) -> web.Response | None:
        if size > MAX_BODY:
            return refusal(413, "Request Entity Too Large")
        if not isinstance(body, dict):
            return refusal(400, "Invalid request: expected a JSON object")
        text = body.get("text")
        if not isinstance(text, list) or not text or not all(isinstance(t, str) for t in text):
            return refusal(400, "Parameter 'text' not specified.")
        if len(text) > MAX_TEXTS:
            return refusal(413, f"Too many texts: at most {MAX_TEXTS} per request")
        target = body.get("target_lang")
        if not isinstance(target, str) or target.upper() not in TARGETS:
            return refusal(400, "Value for 'target_lang' not supported.")
        source = body.get("source_lang")
        if source is not None and (not isinstance(source, str) or source.upper() not in SOURCES):
            return refusal(400, "Value for 'source_lang' not supported.")
        return None

    def _over_quota(self, body: dict[str, Any]) -> web.Response | None:
        """456 when the request would go over the quota; else its characters are counted."""
        characters = sum(len(text) for text in body["text"])
        if self.quota is not None and self.used + characters > self.quota:
            return refusal(456, "Quota exceeded")
        self.used += characters
        return None

    def _answer(self, body: dict[str, Any]) -> web.Response:
        target = str(body["target_lang"]).upper()
        source = body.get("source_lang")
        translations = [
            {
                "detected_source_language": str(source).upper() if source else _detect(text),
                "text": self._word(text, target),
            }
            for text in body["text"]
        ]
        return answer({"translations": translations})

    def _word(self, text: str, target: str) -> str:
        known = self.glossary.get(text, {}).get(target.split("-")[0])
        return known if known is not None else f"[{target}] {text}"


def _detect(text: str) -> str:
    return "ZH" if _CJK.search(text) else "EN"
