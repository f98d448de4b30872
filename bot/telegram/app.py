"""Build the python-telegram-bot Application: transport, context type, rate limiter, metrics.

The handlers are wired by the caller (`register`): the composition root hands them in, so this
wing never imports them.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Required, TypedDict

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    ContextTypes,
    Defaults,
)

from bot.faults import infrastructure
from bot.process.deps import Deps
from bot.telegram.bot import ShopBot
from bot.telegram.pacer import Pacer
from bot.telegram.request import AiohttpRequest
from bot.telegram.updates import ServiceUpdate

# The failures met while one update is handled (the error handler adds to it: failed()).
_FAILURES: ContextVar[list[BaseException] | None] = ContextVar("failures", default=None)


def failed(error: BaseException | None) -> None:
    """Note that handling the current update met `error` (called by the error handler)."""
    failures = _FAILURES.get()
    if failures is not None and error is not None:
        failures.append(error)


class ShopbotApplication(Application[Any, Any, Any, Any, Any, Any]):
    """Handles each update once and says whether it must come again; counts and times every
    update for /metrics."""

    async def initialize(self) -> None:
        await super().initialize()
        _freeze_startup_objects()

    async def handle(self, update: object) -> bool:
        """Process `update`, once whatever re-delivers it (bot/process/handled.py); False when
        it met a failure of the infrastructure (the database away, the network down) and must
        be delivered again, so its shopper is answered when things are back."""
        if isinstance(update, Update):
            deps: Deps = self.bot_data["deps"]
            return await deps.handled.once(update.update_id, lambda: self._attempt(update))
        return await self._attempt(update)

    async def _attempt(self, update: object) -> bool:
        failures: list[BaseException] = []
        token = _FAILURES.set(failures)
        try:
            await self.process_update(update)
        finally:
            _FAILURES.reset(token)
        return not any(infrastructure(error) for error in failures)

    async def process_update(self, update: object) -> None:
        deps: Deps = self.bot_data["deps"]
        kind = _kind(update)
        started = time.perf_counter()
        try:
            await super().process_update(update)
        finally:
            deps.metrics.updates.labels(kind).inc()
            deps.metrics.update_seconds.observe(time.perf_counter() - started)


_frozen = False


def _freeze_startup_objects() -> None:
    """Keep what was loaded to start serving (modules, catalogs, dictionaries, the bot) out of
    every later garbage collection, once per process: the collector otherwise walks it all
    again in each full collection, a noticeable share of the CPU under load.
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


def _kind(update: object) -> str:
    if isinstance(update, ServiceUpdate):
        return update.kind
    if not isinstance(update, Update):
        return type(update).__name__
    for kind in ("message", "edited_message", "callback_query", "inline_query", "my_chat_member"):
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


Register = Callable[["ShopbotApplication"], None]


def _pacer(deps: Deps) -> Pacer:
    """Every message within Telegram's limits, replies ahead of alerts, the limits shared by
    every process through Redis when there is one (bot/telegram/pacer.py)."""
    settings = deps.settings
    return Pacer(
        settings.telegram_messages_per_second,
        paid_broadcast=settings.telegram_paid_broadcast,
        redis=deps.redis,
    )


class Options(TypedDict, total=False):
    """How to reach Telegram (build_application's keywords besides the wiring)."""

    token: Required[str]
    base_url: Required[str]
    polling: bool
    rate_limit: bool


def build_application(
    deps: Deps,
    register: Register,
    *,
    context_type: type[CallbackContext[Any, Any, Any, Any]] = CallbackContext,
    token: str,
    base_url: str,
    polling: bool = True,
    rate_limit: bool = True,
) -> ShopbotApplication:
    """The Application with `deps` in bot_data, its handlers wired by `register`, and
    `context_type` the context every handler receives.

    `polling=False` builds it without an Updater (webhook mode, or tests feeding updates in);
    `rate_limit=False` without the pacer (the playground, which talks to a local fake).
    """
    # aiohttp instead of PTB's default httpx transport: several times the replies per second
    # on the same CPU (bench/telegram_request.py), with one HTTP library in the whole service.
    bot = ShopBot(
        token=token,
        base_url=base_url,
        base_file_url=base_url.removesuffix("/bot") + "/file/bot",
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
        rate_limiter=_pacer(deps) if rate_limit else None,
        # Every text the handlers send is HTML, outside text escaped (handlers/context.py).
        defaults=Defaults(parse_mode=ParseMode.HTML),
    )
    builder = (
        ApplicationBuilder()
        .application_class(ShopbotApplication)
        .bot(bot)
        .context_types(ContextTypes(context=context_type))
        .concurrent_updates(True)
    )
    if not polling:
        builder = builder.updater(None)
    app = builder.build()
    assert isinstance(app, ShopbotApplication)
    app.bot_data["deps"] = deps
    register(app)
    return app
