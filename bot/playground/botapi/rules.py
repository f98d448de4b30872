"""Validation rules and limits of the fake Bot API, with Telegram's error descriptions."""

from __future__ import annotations

import math
import re
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from bot.playground.botapi.html import (
    FormattedText,
    HtmlParseError,
    parse_html,
    strip_formatted,
    utf16_len,
)

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_COMMANDS = 100
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_HOST_RE = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$|^\d+\.\d+\.\d+\.\d+$"
)
BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "copy_text",
    "callback_game",
    "pay",
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_BAD_MARKUP = "can't parse reply keyboard markup JSON object"
_BAD_BUTTON = "Bad Request: can't parse inline keyboard button: "


class ApiError(Exception):
    """An error response: ``{"ok": false, "error_code": code, "description": ...}``."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram would answer with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 error with the ``Bad Request: `` prefix."""
    return ApiError(400, f"Bad Request: {reason}")


def format_text(
    raw: str,
    parse_mode: str | None,
    entities: Any,
    user_names: dict[int, str] | None = None,
) -> FormattedText:
    """Apply ``parse_mode``/``entities`` to raw text and trim it, as Telegram does."""
    if entities not in (None, "", []):
        if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
            raise bad_request("can't parse entities JSON object")
        formatted = FormattedText(raw, [dict(e) for e in entities])
        for entity in formatted.entities:
            if not isinstance(entity.get("type"), str) or not _entity_in_text(entity, raw):
                raise bad_request("can't parse entities: entity is out of the text bounds")
    elif parse_mode in (None, ""):
        formatted = FormattedText(raw)
    elif parse_mode.lower() == "html":
        try:
            formatted = parse_html(raw, user_names)
        except HtmlParseError as err:
            raise bad_request(f"can't parse entities: {err}") from None
    else:
        raise bad_request("unsupported parse_mode")
    return strip_formatted(formatted)


def _entity_in_text(entity: dict[str, Any], text: str) -> bool:
    offset, length = entity.get("offset"), entity.get("length")
    if not isinstance(offset, int) or not isinstance(length, int):
        return False
    return offset >= 0 and length > 0 and offset + length <= utf16_len(text)


def is_valid_button_url(url: Any) -> bool:
    """http(s) URLs with a real-looking host, or tg:// links."""
    if not isinstance(url, str) or not url or any(c.isspace() for c in url):
        return False
    if url.lower().startswith("tg://"):
        return len(url) > len("tg://")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(_HOST_RE.match(host))


def validate_reply_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Validate a decoded ``reply_markup``; returns it (or None when absent)."""
    if markup in (None, ""):
        return None
    if isinstance(markup, str):
        raise bad_request(_BAD_MARKUP)  # the form value was not valid JSON
    if not isinstance(markup, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" in markup:
        _validate_inline_keyboard(markup["inline_keyboard"])
        if not any(markup["inline_keyboard"]):
            return None  # an empty inline keyboard means "no keyboard"
    elif not markup:
        return None  # PTB sends an empty InlineKeyboardMarkup as {}
    elif inline_only:
        raise bad_request("inline keyboard expected")
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not _is_rows(rows) or not all(
            isinstance(b, str) or (isinstance(b, dict) and isinstance(b.get("text"), str))
            for row in rows
            for b in row
        ):
            raise bad_request(
                'Field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays'
            )
    elif "remove_keyboard" in markup:
        if markup["remove_keyboard"] is not True:
            raise bad_request(_BAD_MARKUP)
    elif "force_reply" in markup:
        if markup["force_reply"] is not True:
            raise bad_request(_BAD_MARKUP)
    else:
        raise bad_request(_BAD_MARKUP)
    return markup


def _is_rows(rows: Any) -> bool:
    return isinstance(rows, list) and all(isinstance(row, list) for row in rows)


def _validate_inline_keyboard(rows: Any) -> None:
    if not _is_rows(rows):
        raise ApiError(
            400,
            'Bad Request: Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array '
            "of Arrays",
        )
    for row in rows:
        for button in row:
            validate_inline_button(button)


def validate_inline_button(button: Any) -> None:
    """One InlineKeyboardButton: non-empty text and exactly one action field."""
    if not isinstance(button, dict):
        raise ApiError(400, _BAD_BUTTON + "InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise ApiError(400, _BAD_BUTTON + 'Field "text" must be of type String')
    if not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [name for name in BUTTON_ACTIONS if button.get(name) is not None]
    if not actions:
        raise ApiError(400, _BAD_BUTTON + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise ApiError(400, _BAD_BUTTON + "exactly one of the optional fields must be used")
    data = button.get("callback_data")
    if data is not None and (
        not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    if "url" in actions and not is_valid_button_url(button["url"]):
        raise bad_request("BUTTON_URL_INVALID")
    for name in ("login_url", "web_app"):
        if name in actions:
            target = button[name]
            if not isinstance(target, dict) or not is_valid_button_url(target.get("url")):
                raise bad_request("BUTTON_URL_INVALID")


def validate_commands(commands: Any) -> list[dict[str, str]]:
    """setMyCommands' ``commands``: names [a-z0-9_]{1,32}, descriptions 1-256, at most 100."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    result: list[dict[str, str]] = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not _COMMAND_RE.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        result.append({"command": command, "description": description.strip()})
    return result


class FloodControl:
    """Telegram's documented send limits: 30/s overall, ~1/s per private chat, 20/min per group;
    a message sent with ``allow_paid_broadcast`` counts against a 1,000/s overall budget
    instead of the 30/s one (both overall rates are parameters)."""

    GLOBAL_PER_SECOND = 30
    PAID_PER_SECOND = 1000
    PRIVATE_BURST = 3
    PRIVATE_RATE = 1.0
    GROUP_PER_MINUTE = 20

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        per_second: int = GLOBAL_PER_SECOND,
        paid_per_second: int = PAID_PER_SECOND,
    ) -> None:
        self._clock = clock
        self.per_second = per_second
        self.paid_per_second = paid_per_second
        self._global: deque[float] = deque()
        self._paid: deque[float] = deque()
        self._private: dict[int, tuple[float, float]] = {}
        self._groups: dict[int, deque[float]] = {}

    def check(self, chat_id: int, *, paid: bool = False) -> None:
        """Count one send to ``chat_id`` (``paid``: with allow_paid_broadcast) or raise a 429
        :class:`ApiError`."""
        now = self._clock()
        overall, limit = (
            (self._paid, self.paid_per_second) if paid else (self._global, self.per_second)
        )
        waits = [self._window_wait(overall, now, 1.0, limit)]
        if chat_id < 0:
            group = self._groups.setdefault(chat_id, deque())
            waits.append(self._window_wait(group, now, 60.0, self.GROUP_PER_MINUTE))
        else:
            tokens, last = self._private.get(chat_id, (float(self.PRIVATE_BURST), now))
            tokens = min(float(self.PRIVATE_BURST), tokens + (now - last) * self.PRIVATE_RATE)
            waits.append(0.0 if tokens >= 1 else (1 - tokens) / self.PRIVATE_RATE)
        wait = max(waits)
        if wait > 0:
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        overall.append(now)
        if chat_id < 0:
            self._groups[chat_id].append(now)
        else:
            self._private[chat_id] = (tokens - 1, now)

    @staticmethod
    def _window_wait(window: deque[float], now: float, span: float, limit: int) -> float:
        while window and window[0] <= now - span:
            window.popleft()
        return window[0] + span - now if len(window) >= limit else 0.0
