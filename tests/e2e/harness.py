"""Scenario harness: a `Shopper` sends text or presses buttons; each step goes through
`Application.process_update` and returns once the bot has finished answering, so a test reads
exactly what the user saw."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from telegram import Update

from bot.playground.botapi.model import CallbackAnswer, FakeUser, SentMessage
from bot.playground.botapi.server import LocalBotApi
from bot.process.deps import Deps
from bot.telegram.app import ShopbotApplication
from tests.support import product, store


class Shopper:
    """One person in a private chat with the bot."""

    def __init__(self, api: LocalBotApi, app: ShopbotApplication, user: FakeUser) -> None:
        self.api, self.app, self.user = api, app, user

    @property
    def chat_id(self) -> int:
        return self.user.id

    async def _feed(self, update: dict[str, object]) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def _step(self, update: dict[str, object]) -> list[SentMessage]:
        before = {m.message_id for m in self.api.messages(self.chat_id)}
        await self._feed(update)
        return [m for m in self.api.messages(self.chat_id) if m.message_id not in before]

    async def send(self, text: str) -> list[SentMessage]:
        """Send a text message; returns the bot messages it produced."""
        return await self._step(self.api.make_message_update(self.user, text))

    async def send_sticker(self) -> list[SentMessage]:
        return await self._step(self.api.make_message_update(self.user, "", sticker=True))

    async def edit_last(self, text: str) -> list[SentMessage]:
        return await self._step(self.api.make_message_update(self.user, text, edited=True))

    async def press(self, text: str, message: SentMessage | None = None) -> CallbackAnswer:
        """Press the button labelled `text` (on the newest message with buttons)."""
        message = message or self.last_with_buttons()
        data = message.button(text).callback_data
        assert data is not None, f"button {text!r} has no callback data"
        return await self.press_data(data, message)

    async def press_data(
        self, data: str, message: SentMessage | None = None, *, check: bool = True
    ) -> CallbackAnswer:
        """Press a button with `data`; `check=False` forges data no button carries."""
        message = message or self.last_with_buttons()
        update = self.api.make_callback_update(self.user, message, data, check_button=check)
        answered = len(self.api.callback_answers)
        await self._feed(update)
        answers = self.api.callback_answers[answered:]
        assert len(answers) == 1, f"callback answered {len(answers)} times"
        return answers[0]

    @property
    def seen(self) -> list[SentMessage]:
        return self.api.messages(self.chat_id)

    @property
    def last(self) -> SentMessage:
        message = self.api.last_message(self.chat_id)
        assert message is not None, "the bot has not said anything"
        return message

    def last_with_buttons(self) -> SentMessage:
        for message in reversed(self.seen):
            if message.buttons:
                return message
        raise AssertionError("no message with buttons")


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait for what the bot does after an update (an alert after a webhook)."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not reached in time")


async def to_quote(ann: Shopper, deps: Deps) -> None:
    """Ann ships to Germany, puts two phone cases in the cart and opens the standard line's
    quote."""
    ids = await store(deps, product("case", "适用苹果15手机壳透明硅胶", "29.90"))
    await ann.send("/settings")
    await ann.press("Country")
    await ann.press("Germany")
    (card,) = await ann.send(f"/start p_{ids['case']}")
    await ann.press("🛒 Add to cart", card)
    await ann.press("🛒 Add to cart", card)
    (cart,) = await ann.send("/cart")
    await ann.press("✅ Check out", cart)
    assert "Shipping to Germany" in ann.last.text and "YunExpress" in ann.last.text
    await ann.press_data("cl:standard", ann.last)


ALERT_MARKS = ("✅", "⏳", "❌", "⌛", "↩️", "⚠️", "🛒", "🚚", "🏬", "📷", "🎁", "✈️", "📦")


def alerts_seen(api: LocalBotApi, shopper: Shopper) -> list[str]:
    """The alerts (payment, order and parcel news; a photo's caption) the shopper received,
    oldest first."""
    texts = [m.text or m.caption or "" for m in api.messages(shopper.chat_id) if not m.edits]
    return [text for text in texts if text.startswith(ALERT_MARKS)]
