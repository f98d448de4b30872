"""The playground's payments: a local test payment page when no Stripe keys are configured.

`make run` without any keys should still show the whole journey, paying included. So when
STRIPE_SECRET_KEY is not set, the playground starts the fake Stripe (bot/playground/stripe) on
loopback with a throwaway test key and webhook secret, points the bot's settings at it
(STRIPE_API_BASE), and serves the bot's own web app on loopback so the fake's signed events
reach POST /webhooks/stripe exactly as Stripe's would: the real provider code, the real webhook
and the real alerts run, only the payment page is local. With keys configured nothing is faked.

`/stripe pay` and `/stripe fail` (with `async`: an asynchronous method that settles a moment
later) do in the chat what the page's buttons do in a browser, on the newest open payment page
the bot sent, and wait until the alerts those events cause have reached the chat.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import Any, TextIO

from aiohttp import web
from pydantic import SecretStr

from bot.config import Settings
from bot.playground.botapi.server import LocalBotApi
from bot.playground.stripe import FakeStripe, StripeApiError
from bot.playground.stripe.page import amount_text
from bot.playground.stripe.wire import JsonDict
from bot.process.deps import Deps
from bot.telegram.updates import ServiceUpdate
from bot.web.app import make_web_app
from handlers import alerts

LOOPBACK = "127.0.0.1"
USAGE = "  (type /stripe pay or /stripe fail; add async for a method that settles a moment later)\n"
HINT = "(a local test payment page: open it in a browser, or type /stripe pay or /stripe fail)"


def wants_local_stripe(settings: Settings) -> bool:
    """True when no Stripe key is configured: the playground then brings its own test page."""
    key = settings.stripe_secret_key
    return key is None or not key.get_secret_value()


class LocalStripe:
    """The fake Stripe on loopback, and the bot's web app that receives its signed events."""

    def __init__(self, fake: FakeStripe) -> None:
        self.fake = fake
        self._runner: web.AppRunner | None = None

    @classmethod
    async def start(cls) -> LocalStripe:
        """A fake Stripe with a fresh test key and webhook secret, on a free loopback port."""
        fake = FakeStripe(
            "whsec_" + secrets.token_hex(16), secret_key="sk_test_" + secrets.token_hex(12)
        )
        await fake.start(LOOPBACK, 0)
        return cls(fake)

    def configure(self, settings: Settings) -> Settings:
        """`settings` with Stripe pointed at this fake."""
        assert self.fake.secret_key is not None
        return settings.model_copy(
            update={
                "stripe_secret_key": SecretStr(self.fake.secret_key),
                "stripe_webhook_secret": SecretStr(self.fake.webhook_secret),
                "stripe_api_base": self.fake.api_base,
            }
        )

    @property
    def page_prefix(self) -> str:
        """Where every payment page of this fake starts."""
        return f"{self.fake.public_base}/pay/"

    async def serve_webhooks(self, deps: Deps) -> str:
        """Serve the bot's web app on a free loopback port and send the fake's events to it;
        returns the webhook's URL."""
        runner = web.AppRunner(make_web_app(deps), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, LOOPBACK, 0).start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.fake.webhook_url = f"http://{host}:{port}/webhooks/stripe"
        return self.fake.webhook_url

    async def stop_webhooks(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def close(self) -> None:
        await self.stop_webhooks()
        await self.fake.close()


class AlertTasks:
    """How the playground has the bot send payment alerts: the handlers' own kick, with each
    sending kept, so a /stripe move returns once its news is in the chat."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._tasks: set[asyncio.Task[Any]] = set()

    def install(self, deps: Deps) -> None:
        deps.payments.on_alerts = alerts.kick(self.put)
        deps.couriers.on_alerts = deps.payments.on_alerts

    def put(self, update: ServiceUpdate) -> None:
        # Not app.create_task: the Application is not running (updates are fed to it one
        # by one), and these tasks are awaited here.
        task = asyncio.get_running_loop().create_task(self.app.process_update(update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        """Wait until every alert asked for so far has been sent."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


class StripeCommand:
    """/stripe pay | fail [async]: the payment page's buttons, typed in the chat."""

    def __init__(
        self,
        local: LocalStripe | None,
        api: LocalBotApi,
        chat_id: int,
        out: TextIO,
        settled: Callable[[], Any],
    ) -> None:
        self.local, self.api, self.chat_id, self.out = local, api, chat_id, out
        self._settled = settled

    async def run(self, words: list[str]) -> None:
        action, delayed = (words[0] if words else ""), words[1:] == ["async"]
        if action not in ("pay", "fail") or words[1:] not in ([], ["async"]):
            self.out.write(USAGE)
            return
        if self.local is None:
            self.out.write("  (with your Stripe keys, pay by opening the payment link)\n")
            return
        session = await self._newest_open(self.local)
        if session is None:
            self.out.write("  (no open payment page in this chat: check out from /cart first)\n")
            return
        try:
            await self._move(self.local.fake, session, action == "pay", delayed)
        except StripeApiError as err:
            self.out.write(f"  (the payment page refused: {err.message})\n")

    async def _move(self, fake: FakeStripe, session: JsonDict, pay: bool, delayed: bool) -> None:
        """Say what the page does, do it (its events delivered), then wait for the news."""
        sid, total = str(session["id"]), amount_text(session["amount_total"], session["currency"])
        if delayed:
            self.out.write(f"  (test payment page: paying {total} by an asynchronous method)\n")
            await fake.complete(sid, paid=False)
            await self._news()
            outcome = "settles" if pay else "bounces"
            self.out.write(f"  (test payment page: that payment {outcome})\n")
            await fake.settle(sid, succeeded=pay)
        elif pay:
            self.out.write(f"  (test payment page: paying {total} by card)\n")
            await fake.complete(sid, paid=True)
        else:
            self.out.write("  (test payment page: the card is declined; the link still works)\n")
            await fake.decline(sid)
        await self._news()

    async def _news(self) -> None:
        await self._settled()
        self.out.flush()

    async def _newest_open(self, local: LocalStripe) -> JsonDict | None:
        """The newest payment page the bot sent here that can still be paid (one found past
        its expiry is expired first, as Stripe would, and its event delivered)."""
        prefix, fake = local.page_prefix, local.fake
        for message in reversed(self.api.messages(self.chat_id)):
            for button in message.all_buttons:
                if not (button.url or "").startswith(prefix):
                    continue
                session = fake.sessions.get((button.url or "")[len(prefix) :])
                if session is None or session["status"] != "open":
                    continue
                if fake.now() < int(session["expires_at"]):
                    return session
                await fake.expire(str(session["id"]))
                await self._news()
        return None
