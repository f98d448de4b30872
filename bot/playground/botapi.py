"""A local fake of the Telegram Bot API server for end-to-end tests and the playground.

It speaks the real HTTP wire format, so an unmodified python-telegram-bot ``Bot`` or
``Application`` can use it via ``base_url``, and it rejects what Telegram rejects.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.playground.botapi_model import (
    BotApiState,
    Button,
    Call,
    CallbackAnswer,
    FakeChat,
    FakeUser,
    InlineAnswer,
    JsonDict,
    SentMessage,
    UploadedFile,
)
from bot.playground.botapi_rules import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    ApiError,
    FloodControl,
    bad_request,
    format_text,
    is_valid_button_url,
    validate_commands,
    validate_reply_markup,
)
from bot.playground.telegram_html import FormattedText

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "Button",
    "Call",
    "CallbackAnswer",
    "FakeChat",
    "FakeUser",
    "InlineAnswer",
    "LocalBotApi",
    "SentMessage",
]

DEFAULT_TOKEN = "123456:PLAYGROUND-TOKEN"  # noqa: S105 - fake server token
CallListener = Callable[[Call], Awaitable[None] | None]
_Handler = Callable[["_Params"], Awaitable[Any]]
_LOG = logging.getLogger(__name__)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "cache_time",
        "reply_to_message_id",
        "message_thread_id",
        "user_id",
        "max_connections",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "is_personal",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "show_caption_above_media",
    }
)
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "results",
        "commands",
        "scope",
        "menu_button",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "allowed_updates",
        "button",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_INLINE_TYPES = frozenset(
    {
        "article",
        "photo",
        "gif",
        "mpeg4_gif",
        "video",
        "audio",
        "voice",
        "document",
        "location",
        "venue",
        "contact",
        "game",
        "sticker",
    }
)


def _normalize(data: JsonDict) -> JsonDict:
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


class _Params:
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


async def _read_params(request: web.Request) -> JsonDict:
    """Query string plus a JSON, urlencoded or multipart body, decoded to a dict."""
    data: JsonDict = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return _normalize(data)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON encoded request") from None
        if not isinstance(body, dict):
            raise bad_request("JSON object expected")
        data.update(body)
        return _normalize(data)
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            data[key] = UploadedFile(key, value.filename, value.content_type, value.file.read())
        else:
            data[key] = value
    for key, value in list(data.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            data[key] = data.get(value[len("attach://") :], value)
    return _normalize(data)


class LocalBotApi(BotApiState):
    """Fake Telegram Bot API server on loopback (aiohttp) plus its in-memory state."""

    FLOOD_METHODS = frozenset({"sendMessage", "sendPhoto"})

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        flood_limits: bool = False,
        bot_username: str = "playground_bot",
        bot_name: str = "Playground Bot",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123456
        super().__init__(
            {"id": bot_id, "is_bot": True, "first_name": bot_name, "username": bot_username}
        )
        self.token = token
        self.flood: FloodControl | None = FloodControl(clock) if flood_limits else None
        self.calls: list[Call] = []
        self.on_call: list[CallListener] = []
        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, JsonDict] = {}
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._update_event = asyncio.Event()
        self._call_event = asyncio.Event()
        self._poll_generation = 0
        self._stopping = False
        handlers: dict[str, _Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "logOut": self._true,
            "close": self._true,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "getChat": self._get_chat,
            "getFile": self._get_file,
        }
        self._handlers = {name.lower(): (name, fn) for name, fn in handlers.items()}

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start serving on ``host:port`` (0 picks a free port, see :attr:`port`)."""
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._download)
        self._stopping = False
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Release waiting long polls and shut the server down."""
        self._stopping = True
        self._updates_changed()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url(...)``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url(...)``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # --- observation -----------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls of one method (name compared case-insensitively)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    async def wait_for_call(
        self,
        method: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a plain timeout is the friendlier test API
        *,
        since: int | None = None,
    ) -> Call:
        """Wait for a call recorded at index >= ``since`` (default: from now on).

        ``method=None`` matches any call except getUpdates.
        """
        index = len(self.calls) if since is None else since
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for call in self.calls[index:]:
                if (method is None and call.method != "getUpdates") or (
                    method is not None and call.method.lower() == method.lower()
                ):
                    return call
            index = len(self.calls)
            event = self._call_event
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no {method or 'bot'} call within {timeout}s")
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                continue

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._call_event.set()
        self._call_event = asyncio.Event()
        for listener in list(self.on_call):
            try:
                outcome = listener(call)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception:
                _LOG.exception("on_call listener failed")

    def _updates_changed(self) -> None:
        self._update_event.set()
        self._update_event = asyncio.Event()

    # --- HTTP ------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        entry = self._handlers.get(name.lower())
        method = entry[0] if entry else name
        params: JsonDict = {}
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if entry is None:
                raise ApiError(404, "Not Found")
            params = await _read_params(request)
            result = await entry[1](_Params(params))
        except ApiError as err:
            call = Call(method, params, False, err.description, err.code)
            status, body = err.code, err.payload()
        else:
            call = Call(method, params, True, result=result)
            status, body = 200, {"ok": True, "result": result}
        await self._record(call)
        return web.json_response(body, status=status)

    async def _download(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["path"].rsplit("/", 1)[-1].split(".", 1)[0]
        data = self._files.get(file_id)
        if request.match_info["token"] != self.token or data is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    # --- helpers ---------------------------------------------------------------------------

    def _format(self, raw: str | None, p: _Params, prefix: str = "") -> FormattedText:
        names = {uid: u.first_name for uid, u in self.users.items()}
        return format_text(
            raw or "",
            p.text("parse_mode"),
            p.get(f"{prefix}entities" if prefix else "entities"),
            names,
        )

    def _message_text(self, p: _Params) -> FormattedText:
        formatted = self._format(p.text("text"), p)
        if not formatted.text:
            raise bad_request("message text is empty")
        if len(formatted.text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return formatted

    def _caption(self, p: _Params) -> FormattedText:
        formatted = self._format(p.text("caption"), p, "caption_")
        if len(formatted.text) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        return formatted

    def _reply_to(self, chat_id: int, p: _Params) -> int | None:
        reply = p.get("reply_parameters")
        if reply not in (None, "") and not isinstance(reply, dict):
            raise bad_request("can't parse reply parameters JSON object")
        reply = reply or {}
        message_id = reply.get("message_id", p.get("reply_to_message_id"))
        if message_id in (None, 0, ""):
            return None
        if isinstance(message_id, int) and self._message_exists(chat_id, message_id):
            return message_id
        if reply.get("allow_sending_without_reply") or p.flag("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")

    def _check_flood(self, method: str, chat_id: int) -> None:
        if self.flood is not None and method in self.FLOOD_METHODS:
            self.flood.check(chat_id)

    def _new_message(self, chat: FakeChat, p: _Params) -> SentMessage:
        markup = validate_reply_markup(p.get("reply_markup"))
        message = SentMessage(0, chat.id, int(time.time()))
        message.reply_to_message_id = self._reply_to(chat.id, p)
        message.set_markup(markup)
        return message

    def _editable(self, p: _Params) -> SentMessage | None:
        """The bot message an edit targets; None for inline messages."""
        if p.get("inline_message_id"):
            return None
        chat = self.resolve_chat(p.get("chat_id"))
        message_id = p.integer("message_id", "message identifier is not specified")
        if message_id in self._user_messages.get(chat.id, {}):
            raise bad_request("message can't be edited")
        message = self.message(chat.id, message_id)
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        return message

    def _edited(self, message: SentMessage) -> JsonDict:
        message.edits += 1
        message.edit_date = int(time.time())
        return self.message_json(message)

    # --- methods ---------------------------------------------------------------------------

    async def _true(self, p: _Params) -> bool:
        return True

    async def _get_me(self, p: _Params) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, p: _Params) -> list[JsonDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(p.number("offset"))
        limit = min(max(int(p.number("limit", 100)), 1), 100)
        if offset > 0:
            self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_changed()  # a newer getUpdates terminates the older one
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(p.number("timeout"), 0.0)
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make "
                    "sure that only one bot instance is running",
                )
            if self._updates or self._stopping:
                return self._updates[:limit]
            event, remaining = self._update_event, deadline - loop.time()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return []

    async def _set_webhook(self, p: _Params) -> bool:
        url = p.text("url") or ""
        if url:
            parts = urlsplit(url)
            if parts.scheme != "https" or not parts.hostname:
                raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
            if parts.port not in (None, 80, 88, 443, 8443):
                raise bad_request(
                    "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
                )
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self.webhook_url = url
        self._updates_changed()
        return True

    async def _delete_webhook(self, p: _Params) -> bool:
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self.webhook_url = ""
        return True

    async def _get_webhook_info(self, p: _Params) -> JsonDict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _commands_key(self, p: _Params) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
            raise bad_request("can't parse BotCommandScope JSON object")
        if "chat_id" in scope:
            scope = {**scope, "chat_id": self.resolve_chat(scope["chat_id"]).id}
        language = p.text("language_code") or ""
        if language and not (len(language) == 2 and language.isalpha() and language.islower()):
            raise bad_request("LANG_CODE_INVALID")
        return json.dumps(scope, sort_keys=True), language

    async def _set_my_commands(self, p: _Params) -> bool:
        commands = validate_commands(p.get("commands"))
        self.commands[self._commands_key(p)] = commands
        return True

    async def _get_my_commands(self, p: _Params) -> list[dict[str, str]]:
        return self.commands.get(self._commands_key(p), [])

    async def _delete_my_commands(self, p: _Params) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    async def _set_chat_menu_button(self, p: _Params) -> bool:
        chat_id = self.resolve_chat(p.get("chat_id")).id if p.get("chat_id") else None
        button = p.get("menu_button") or {"type": "default"}
        kind = button.get("type") if isinstance(button, dict) else None
        if kind not in ("default", "commands", "web_app"):
            raise bad_request("can't parse menu button JSON object")
        if kind == "web_app" and not (
            isinstance(button.get("web_app"), dict)
            and is_valid_button_url(button["web_app"].get("url"))
            and button.get("text")
        ):
            raise bad_request("BUTTON_URL_INVALID")
        self.menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, p: _Params) -> JsonDict:
        chat_id = self.resolve_chat(p.get("chat_id")).id if p.get("chat_id") else None
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "default"}

    async def _send_message(self, p: _Params) -> JsonDict:
        chat = self.resolve_chat(p.get("chat_id"))
        formatted = self._message_text(p)
        message = self._new_message(chat, p)
        self._check_flood("sendMessage", chat.id)
        message.message_id = self._next_message_id(chat.id)
        message.text, message.entities, message.html = (
            formatted.text,
            formatted.entities,
            p.text("text") or "",
        )
        self._store(message)
        return self.message_json(message)

    async def _send_photo(self, p: _Params) -> JsonDict:
        chat = self.resolve_chat(p.get("chat_id"))
        photo = p.get("photo")
        if isinstance(photo, UploadedFile):
            file_id = self.register_file(photo.data)
            shown = file_id
        elif isinstance(photo, str) and photo in self._files:
            file_id = shown = photo
        elif isinstance(photo, str) and photo.lower().startswith(("http://", "https://")):
            if not is_valid_button_url(photo):
                raise bad_request("failed to get HTTP URL content")
            file_id, shown = self.register_file(url=photo), photo
        elif photo in (None, ""):
            raise bad_request("there is no photo in the request")
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        caption = self._caption(p)
        message = self._new_message(chat, p)
        self._check_flood("sendPhoto", chat.id)
        message.message_id = self._next_message_id(chat.id)
        message.photo, message.photo_file_id, message.html = shown, file_id, p.text("caption") or ""
        message.caption, message.caption_entities = caption.text or None, caption.entities
        self._store(message)
        return self.message_json(message)

    async def _edit_message_text(self, p: _Params) -> JsonDict | bool:
        formatted = self._message_text(p)
        markup = validate_reply_markup(p.get("reply_markup"), inline_only=True)
        message = self._editable(p)
        if message is None:
            return True
        if message.photo_file_id is not None:
            raise bad_request("there is no text in the message to edit")
        if (formatted.text, formatted.entities, markup) == (
            message.text,
            message.entities,
            message.reply_markup,
        ):
            raise ApiError(400, NOT_MODIFIED)
        message.text, message.entities, message.html = (
            formatted.text,
            formatted.entities,
            p.text("text") or "",
        )
        message.set_markup(markup)
        return self._edited(message)

    async def _edit_message_caption(self, p: _Params) -> JsonDict | bool:
        caption = self._caption(p)
        markup = validate_reply_markup(p.get("reply_markup"), inline_only=True)
        message = self._editable(p)
        if message is None:
            return True
        if message.photo_file_id is None:
            raise bad_request("there is no caption in the message to edit")
        if (caption.text or None, caption.entities, markup) == (
            message.caption,
            message.caption_entities,
            message.reply_markup,
        ):
            raise ApiError(400, NOT_MODIFIED)
        message.caption, message.caption_entities = caption.text or None, caption.entities
        message.html = p.text("caption") or ""
        message.set_markup(markup)
        return self._edited(message)

    async def _edit_message_reply_markup(self, p: _Params) -> JsonDict | bool:
        markup = validate_reply_markup(p.get("reply_markup"), inline_only=True)
        message = self._editable(p)
        if message is None:
            return True
        if markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        message.set_markup(markup)
        return self._edited(message)

    async def _delete_message(self, p: _Params) -> bool:
        chat = self.resolve_chat(p.get("chat_id"))
        message_id = p.integer("message_id", "message identifier is not specified")
        if not self._message_exists(chat.id, message_id):
            raise bad_request("message to delete not found")
        bot_message = self.message(chat.id, message_id)
        if bot_message is not None:
            bot_message.deleted = True
        else:
            self._user_messages[chat.id][message_id]["_deleted"] = True
        return True

    async def _send_chat_action(self, p: _Params) -> bool:
        self.resolve_chat(p.get("chat_id"))
        if p.text("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _answer_callback_query(self, p: _Params) -> bool:
        query_id = p.text("callback_query_id") or ""
        pending = self._pending_callbacks.get(query_id)
        text = p.text("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        if pending is None:
            raise ApiError(400, QUERY_TOO_OLD)
        del self._pending_callbacks[query_id]
        self.callback_answers.append(
            CallbackAnswer(
                query_id,
                text,
                p.flag("show_alert"),
                p.text("url"),
                int(p.number("cache_time")) if p.get("cache_time") is not None else None,
                pending.chat_id,
                pending.message_id,
            )
        )
        return True

    async def _answer_inline_query(self, p: _Params) -> bool:
        query_id = p.text("inline_query_id") or ""
        results = p.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            self._check_inline_result(result, seen)
        if query_id not in self._pending_inline:
            raise ApiError(400, QUERY_TOO_OLD)
        button = p.get("button")
        self.inline_answers.append(
            InlineAnswer(
                query_id,
                self._pending_inline.pop(query_id),
                results,
                int(p.number("cache_time")) if p.get("cache_time") is not None else None,
                p.flag("is_personal"),
                p.text("next_offset"),
                button if isinstance(button, dict) else None,
            )
        )
        return True

    def _check_inline_result(self, result: Any, seen: set[str]) -> None:
        if not isinstance(result, dict) or not isinstance(result.get("type"), str):
            raise bad_request("can't parse InlineQueryResult JSON object")
        result_id = result.get("id")
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if result["type"] not in _INLINE_TYPES:
            raise bad_request("RESULT_TYPE_INVALID")
        if result["type"] == "article" and not (
            isinstance(result.get("title"), str) and result["title"].strip()
        ):
            raise bad_request(
                'can\'t parse InlineQueryResultArticle: Field "title" must be non-empty'
            )
        content = result.get("input_message_content")
        if isinstance(content, dict) and "message_text" in content:
            sub = _Params(content)
            formatted = self._format(sub.text("message_text"), sub)
            if not formatted.text:
                raise bad_request("MESSAGE_EMPTY")
            if len(formatted.text) > MAX_TEXT_LENGTH:
                raise bad_request("MESSAGE_TOO_LONG")
        elif result["type"] == "article":
            raise bad_request(
                "can't parse InlineQueryResultArticle: input_message_content expected"
            )
        validate_reply_markup(result.get("reply_markup"), inline_only=True)

    async def _get_chat(self, p: _Params) -> JsonDict:
        chat = self.resolve_chat(p.get("chat_id"))
        gifts = {
            "unlimited_gifts": True,
            "limited_gifts": True,
            "unique_gifts": True,
            "premium_subscription": True,
            "gifts_from_channels": True,
        }
        return {
            **chat.to_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    async def _get_file(self, p: _Params) -> JsonDict:
        file_id = p.text("file_id") or ""
        if file_id not in self._files:
            raise bad_request("invalid file_id")
        data = self._files[file_id]
        info: JsonDict = {
            "file_id": file_id,
            "file_unique_id": f"AQAD{file_id[-8:]}",
            "file_path": f"photos/{file_id}.jpg",
        }
        if data is not None:
            info["file_size"] = len(data)
        return info
