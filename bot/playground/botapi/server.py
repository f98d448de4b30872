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
from urllib.parse import urlsplit

from aiohttp import web

from bot.playground.botapi.methods import Handler
from bot.playground.botapi.model import (
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
from bot.playground.botapi.params import Params, read_params
from bot.playground.botapi.payments import (
    PaymentMethods,
    PaymentOutcome,
    PreCheckoutAnswer,
    ShippingAnswer,
)
from bot.playground.botapi.rules import (
    ApiError,
    FloodControl,
    bad_request,
    is_valid_button_url,
    validate_commands,
)

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
    "PaymentOutcome",
    "PreCheckoutAnswer",
    "SentMessage",
    "ShippingAnswer",
    "UploadedFile",
]

DEFAULT_TOKEN = "123456:PLAYGROUND-TOKEN"  # noqa: S105 - fake server token
CallListener = Callable[[Call], Awaitable[None] | None]
_LOG = logging.getLogger(__name__)
_SCOPES = frozenset(
    "default all_private_chats all_group_chats all_chat_administrators chat chat_administrators "
    "chat_member".split()
)


class LocalBotApi(PaymentMethods):
    """Fake Telegram Bot API server on loopback (aiohttp) plus its in-memory state."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        flood_limits: bool | FloodControl = False,
        bot_username: str = "playground_bot",
        bot_name: str = "Playground Bot",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123456
        super().__init__(
            {"id": bot_id, "is_bot": True, "first_name": bot_name, "username": bot_username},
            _flood_control(flood_limits, clock),
            clock,
        )
        self.token = token
        self.calls: list[Call] = []
        self.on_call: list[CallListener] = []
        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        # (field, language_code) -> text: the bot's name, description and short description
        self.profile: dict[tuple[str, str], str] = {}
        self.menu_buttons: dict[int | None, JsonDict] = {}
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._update_event = asyncio.Event()
        self._call_event = asyncio.Event()
        self._poll_generation = 0
        self._stopping = False
        handlers: dict[str, Handler] = {
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
            **self.profile_handlers(),
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            **self.chat_handlers(),
            **self.payment_handlers(),
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
            params = await read_params(request)
            result = await entry[1](Params(params))
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

    # --- methods ---------------------------------------------------------------------------

    async def _true(self, p: Params) -> bool:
        return True

    async def _get_me(self, p: Params) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, p: Params) -> list[JsonDict]:
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

    async def _set_webhook(self, p: Params) -> bool:
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

    async def _delete_webhook(self, p: Params) -> bool:
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self.webhook_url = ""
        return True

    async def _get_webhook_info(self, p: Params) -> JsonDict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _commands_key(self, p: Params) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
            raise bad_request("can't parse BotCommandScope JSON object")
        if "chat_id" in scope:
            scope = {**scope, "chat_id": self.resolve_chat(scope["chat_id"]).id}
        return json.dumps(scope, sort_keys=True), _language_code(p)

    def profile_handlers(self) -> dict[str, Handler]:
        """setMyName / setMyDescription / setMyShortDescription and their getters, per
        language_code (two lowercase letters, or none: every language without its own)."""
        handlers: dict[str, Handler] = {}
        for method, field, limit in PROFILE_FIELDS:

            async def set_(p: Params, field: str = field, limit: int = limit) -> bool:
                text = p.text(field) or ""
                if len(text) > limit:
                    raise bad_request(f"{field.upper()}_INVALID")
                key = (field, _language_code(p))
                if text:
                    self.profile[key] = text
                else:
                    self.profile.pop(key, None)
                return True

            async def get_(p: Params, field: str = field) -> JsonDict:
                language = _language_code(p)
                text = self.profile.get((field, language), self.profile.get((field, ""), ""))
                return {field: text}

            handlers[f"set{method}"], handlers[f"get{method}"] = set_, get_
        return handlers

    async def _set_my_commands(self, p: Params) -> bool:
        commands = validate_commands(p.get("commands"))
        self.commands[self._commands_key(p)] = commands
        return True

    async def _get_my_commands(self, p: Params) -> list[dict[str, str]]:
        return self.commands.get(self._commands_key(p), [])

    async def _delete_my_commands(self, p: Params) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    async def _set_chat_menu_button(self, p: Params) -> bool:
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

    async def _get_chat_menu_button(self, p: Params) -> JsonDict:
        chat_id = self.resolve_chat(p.get("chat_id")).id if p.get("chat_id") else None
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "default"}


def _flood_control(
    flood_limits: bool | FloodControl, clock: Callable[[], float]
) -> FloodControl | None:
    """``flood_limits``: True for Telegram's limits on ``clock``, or limits of one's own."""
    if isinstance(flood_limits, FloodControl):
        return flood_limits
    return FloodControl(clock) if flood_limits else None


# Bot API method suffix, result field and its length limit (setMyName: 0-64 characters, ...).
PROFILE_FIELDS = (
    ("MyName", "name", 64),
    ("MyDescription", "description", 512),
    ("MyShortDescription", "short_description", 120),
)


def _language_code(p: Params) -> str:
    language = p.text("language_code") or ""
    if language and not (len(language) == 2 and language.isalpha() and language.islower()):
        raise bad_request("LANG_CODE_INVALID")
    return language
