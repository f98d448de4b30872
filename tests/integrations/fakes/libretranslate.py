"""A fake LibreTranslate server (tests only): ``POST /translate`` and ``GET /languages``, the wire
format of libretranslate/app.py.

``/translate`` reads a JSON body when the Content-Type says JSON (a body that does not parse,
or is not an object, is a 400), else the form, and checks as the server does, in its order:
the rate limit (``req_limit``: 429 ``{"error": "Slowdown: ..."}`` once that many texts have
been counted, each request past the limiter costing one per text of a list ``q`` whatever its
answer, as LibreTranslate has flask-limiter count it; the fake has no clock, so the minute
never ends); API keys (``api_keys`` None: keys are off and any
``api_key`` is ignored; a set: an unknown key is 403 "Invalid API key", and with
``require_key`` a missing one is 400 "Please contact the server operator to get an API key",
as --require-api-key-origin and the like make it); ``q``, ``source`` and ``target`` present
(400 "Invalid request: missing q parameter"); ``alternatives`` a number; ``batch_limit``
texts in a list ``q`` and ``char_limit`` characters (code points) in each text (400
"Invalid request: request (N) exceeds text limit (L)"); a ``q`` that is not text is the
server crashing (500); ``source`` ("auto" allowed) and ``target`` in ``languages`` (400
"xx is not supported"); ``format`` "text" or "html" (400). Errors are ``{"error": ...}``.

Codes: the models are Argos Translate's ("zh", "zt" Traditional Chinese, "pb" Brazilian
Portuguese). With ``iso_codes`` (the server since 1.7.2) /languages lists "zh-Hans",
"zh-Hant" and "pt-BR" and requests may use either form, case-insensitively; without it (an
older server) only the model codes are known.

"Translation" is deterministic: the ``GLOSSARY`` words in the target's language, anything
else as ``[<target model code>] <text>``. The answer is ``{"translatedText": [...]}`` for a
list ``q`` and a string for a string ``q``; with source "auto" also ``detectedLanguage``
("zh-Hans" for Chinese, else "en"). ``plan`` (see server.py) takes a step per request, after
the request is recorded: "429" and "500" as LibreTranslate sends them (JSON, no
Retry-After), "banned" (403 "Too many request limits violations"), "string" (one string for
a list ``q``, like the emoji a server requiring a secret answers with), "short" (one
translation fewer than texts), "echo" (a 500 whose error repeats the request body) and
"echo_page" (an HTML page that does). ``calls`` records every translate request.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.integrations.fakes.server import FakeServer, answer

API_KEY = "8c1f2a9e-3b7d-4c5e-a6f1-0d2e4b6a8c9f"
#: Argos Translate's model codes and names: the languages the fake server has installed.
MODELS = {
    "ar": "Arabic",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "id": "Indonesian",
    "ja": "Japanese",
    "ko": "Korean",
    "ms": "Malay",
    "pb": "Portuguese (Brazil)",
    "pt": "Portuguese",
    "ru": "Russian",
    "th": "Thai",
    "vi": "Vietnamese",
    "zh": "Chinese",
    "zt": "Chinese (traditional)",
}
#: What /languages calls the models whose codes are not ISO ones (since 1.7.2).
ISO = {"pb": "pt-BR", "zh": "zh-Hans", "zt": "zh-Hant"}
GLOSSARY: dict[str, dict[str, str]] = {
    "手机壳": {"en": "phone case", "ru": "чехол для телефона", "zt": "手機殼", "pb": "capinha"},
    "保温杯": {"en": "thermos", "ru": "термос", "zt": "保溫杯", "pb": "garrafa térmica"},
    "帆布包": {"en": "canvas bag", "ru": "холщовая сумка", "zt": "帆布包", "pb": "bolsa de lona"},
}
INTERNAL_ERROR = (
    "The server encountered an internal error and was unable to complete your request. "
    "Either the server is overloaded or there is an error in the application."
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class Call:
    """One translate request as received: its Content-Type, its body (the JSON, the form as a
    dict, or None when JSON was announced and did not parse) and its size in bytes."""

    content_type: str
    body: Any
    size: int

    @property
    def texts(self) -> list[str]:
        q = self.body.get("q") if isinstance(self.body, dict) else None
        return q if isinstance(q, list) else [q] if isinstance(q, str) else []

    @property
    def api_key(self) -> str | None:
        key = self.body.get("api_key") if isinstance(self.body, dict) else None
        return key if isinstance(key, str) else None


def refusal(status: int, message: str) -> web.Response:
    return answer_with(status, {"error": message})


def answer_with(status: int, payload: Any) -> web.Response:
    dumps = lambda obj: json.dumps(obj, ensure_ascii=False)  # noqa: E731
    return web.json_response(payload, status=status, dumps=dumps)


@dataclass
class FakeLibreTranslate(FakeServer[Call]):
    api_keys: set[str] | None = None  # None: --api-keys off
    require_key: bool = False  # a request without a known key is refused (400)
    char_limit: int = -1  # characters in one text; -1: no limit
    batch_limit: int = -1  # texts in one request; -1: no limit
    req_limit: int = -1  # texts answered before "Slowdown"; -1: no limit
    used: int = 0  # texts counted against req_limit so far
    iso_codes: bool = True  # False: a server before 1.7.2
    languages: set[str] = field(default_factory=lambda: set(MODELS))
    glossary: dict[str, dict[str, str]] = field(default_factory=lambda: dict(GLOSSARY))

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/translate", self._translate)
        router.add_get("/languages", self._languages)

    # ------------------------------------------------------------------ codes

    def model(self, code: Any) -> Any:
        """A request's language code as the model code it names (the server's iso2model)."""
        if not isinstance(code, str):
            return code
        code = code.lower()
        if self.iso_codes:
            return {iso.lower(): model for model, iso in ISO.items()}.get(code, code)
        return code

    def iso(self, model: str) -> str:
        """A model code as /languages shows it (the server's model2iso)."""
        return ISO.get(model, model) if self.iso_codes else model

    # ------------------------------------------------------------------ routes

    async def _languages(self, request: web.Request) -> web.StreamResponse:
        installed = sorted(self.languages)
        return answer(
            [
                {
                    "code": self.iso(code),
                    "name": MODELS.get(code, code),
                    "targets": [self.iso(other) for other in installed if other != code],
                }
                for code in installed
            ]
        )

    async def _translate(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        is_json = request.content_type == "application/json"
        body: Any
        if is_json:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        else:
            body = {**request.query, **{k: str(v) for k, v in (await request.post()).items()}}
        self.calls.append(Call(request.content_type, body, len(raw)))
        if body is None:
            return refusal(400, "Failed to decode JSON object")
        if not isinstance(body, dict):
            return refusal(400, "Invalid JSON format")
        limited = await self.misbehave() or self._limited()
        if limited:
            return limited
        self.used += len(body["q"]) if isinstance(body.get("q"), list) else 1
        return (
            self._access(body)
            or self._invalid(body)
            or self._unsupported(body)
            or self._answer(body)
        )

    def misbehaviour(self, step: str) -> web.Response:
        if step == "429":
            return self._slowdown()
        if step == "500":
            return refusal(500, INTERNAL_ERROR)
        if step == "banned":
            return refusal(403, "Too many request limits violations")
        body = self.calls[-1].body
        if step == "string":
            return answer({"translatedText": "🙂"})
        if step == "short":
            return self._answer(body | {"q": self.calls[-1].texts[:-1]})
        request = json.dumps(body, ensure_ascii=False)
        if step == "echo":
            return refusal(500, f"Cannot translate text: {request}")
        if step == "echo_page":
            return web.Response(text=f"{request}<html>Bad Gateway</html>", content_type="text/html")
        return super().misbehaviour(step)

    # ------------------------------------------------------------------ checks

    def _limited(self) -> web.Response | None:
        if self.req_limit != -1 and self.used >= self.req_limit:
            return self._slowdown()
        return None

    def _slowdown(self) -> web.Response:
        """flask-limiter's refusal: no Retry-After (its headers are off in LibreTranslate)."""
        limit = self.req_limit if self.req_limit != -1 else 60
        return refusal(429, f"Slowdown: {limit} per 1 minute")

    def _access(self, body: dict[str, Any]) -> web.Response | None:
        if self.api_keys is None:
            return None
        key = body.get("api_key")
        if key and key not in self.api_keys:
            return refusal(403, "Invalid API key")
        if self.require_key and key not in self.api_keys:
            return refusal(400, "Please contact the server operator to get an API key")
        return None

    def _invalid(self, body: dict[str, Any]) -> web.Response | None:
        for name in ("q", "source", "target"):
            if not body.get(name):
                return refusal(400, f"Invalid request: missing {name} parameter")
        try:
            int(body.get("alternatives", 0))
        except (TypeError, ValueError):
            return refusal(400, "Invalid request: alternatives parameter is not a number")
        q = body["q"]
        if isinstance(q, list) and self.batch_limit != -1 and len(q) > self.batch_limit:
            return refusal(
                400,
                f"Invalid request: request ({len(q)}) exceeds text limit ({self.batch_limit})",
            )
        texts = q if isinstance(q, list) else [q]
        if not all(isinstance(text, str) for text in texts):
            return refusal(500, INTERNAL_ERROR)  # the server's len() and loops fail on them
        for text in texts:
            if self.char_limit != -1 and len(text) > self.char_limit:
                return refusal(
                    400,
                    f"Invalid request: request ({len(text)}) exceeds text limit "
                    f"({self.char_limit})",
                )
        return None

    def _unsupported(self, body: dict[str, Any]) -> web.Response | None:
        source, target = self.model(body["source"]), self.model(body["target"])
        if source != "auto" and source not in self.languages:
            return refusal(400, f"{source} is not supported")
        if target not in self.languages:
            return refusal(400, f"{target} is not supported")
        text_format = body.get("format") or "text"
        if text_format not in ("text", "html"):
            return refusal(400, f"{text_format} format is not supported")
        return None

    # ------------------------------------------------------------------ answer

    def _answer(self, body: dict[str, Any]) -> web.Response:
        q = body["q"]
        target = self.model(body["target"])
        texts = q if isinstance(q, list) else [q]
        translated = [self._word(text, target) for text in texts]
        result: dict[str, Any] = {
            "translatedText": translated if isinstance(q, list) else translated[0]
        }
        if self.model(body["source"]) == "auto":
            chinese = any(_CJK.search(text) for text in texts)
            detected = {"confidence": 90.0, "language": self.iso("zh" if chinese else "en")}
            result["detectedLanguage"] = [detected] * len(q) if isinstance(q, list) else detected
        alternatives = int(body.get("alternatives", 0))
        if alternatives > 0:
            result["alternatives"] = [[] for _ in texts] if isinstance(q, list) else []
        return answer(result)

    def _word(self, text: str, target: str) -> str:
        known = self.glossary.get(text, {}).get(target)
        return known if known is not None else f"[{target}] {text}"
