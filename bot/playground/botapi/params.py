"""Request parameters of the fake Bot API: query string, JSON, urlencoded or multipart bodies."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.playground.botapi.model import JsonDict, UploadedFile
from bot.playground.botapi.rules import bad_request

# PTB (httpx) sends every non-string value JSON-encoded inside form fields.
_INT_FIELDS = frozenset(
    "chat_id message_id offset limit cache_time reply_to_message_id message_thread_id user_id "
    "max_connections max_tip_amount photo_size photo_width photo_height".split()
)
_BOOL_FIELDS = frozenset(
    "disable_notification protect_content show_alert is_personal drop_pending_updates "
    "disable_web_page_preview allow_sending_without_reply has_spoiler "
    "show_caption_above_media need_name need_phone_number need_email need_shipping_address "
    "send_phone_number_to_provider send_email_to_provider is_flexible ok".split()
)
_JSON_FIELDS = frozenset(
    "reply_markup results commands scope menu_button entities caption_entities "
    "link_preview_options reply_parameters allowed_updates button prices shipping_options "
    "suggested_tip_amounts".split()
)


def normalize(data: JsonDict) -> JsonDict:
    """Decode form values the way Telegram does: JSON-encoded objects, numbers and booleans."""
    out: JsonDict = {}
    for key, value in data.items():
        if isinstance(value, str):
            if key in _JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    pass  # the handler reports the malformed object
            elif key in _INT_FIELDS and value.lstrip("-").isdigit():
                value = int(value)
            elif key in _BOOL_FIELDS and value.lower() in ("true", "false", "1", "0"):
                value = value.lower() in ("true", "1")
        out[key] = value
    return out


class Params:
    """Typed access to the parameters of one request."""

    def __init__(self, data: JsonDict) -> None:
        self.data = data

    def get(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value) if isinstance(value, dict | list | bool) else str(value)

    def number(self, name: str, default: float = 0) -> float:
        value = self.data.get(name)
        if value in (None, ""):
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'parameter "{name}" must be a Number') from None

    def integer(self, name: str, missing: str) -> int:
        value = self.data.get(name)
        if value in (None, "", 0):
            raise bad_request(missing)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise bad_request(missing)

    def flag(self, name: str) -> bool:
        value = self.data.get(name)
        return value is True or (isinstance(value, str) and value.lower() == "true")


async def read_params(request: web.Request) -> JsonDict:
    """Query string plus a JSON, urlencoded or multipart body, decoded to a dict."""
    data: JsonDict = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return normalize(data)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON encoded request") from None
        if not isinstance(body, dict):
            raise bad_request("JSON object expected")
        data.update(body)
        return normalize(data)
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            data[key] = UploadedFile(key, value.filename, value.content_type, value.file.read())
        else:
            data[key] = value
    for key, value in list(data.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            data[key] = data.get(value[len("attach://") :], value)
    return normalize(data)
