"""The CallbackContext every handler receives: services plus the user's locale."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.ext import Application, CallbackContext

from bot.i18n import DEFAULT_LOCALE, Translator, translator
from bot.models import User
from bot.process.deps import Deps
from bot.telegram.bot import ShopBot


class BotContext(CallbackContext[ShopBot, dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Created once per update; the group -1 middleware fills `account` and `t`."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.account: User | None = None
        self.t: Translator = translator(DEFAULT_LOCALE)

    @property
    def deps(self) -> Deps:
        deps: Deps = self.application.bot_data["deps"]
        return deps

    def _(self, message: str) -> str:
        """Translate `message` into the user's language (plain text)."""
        return self.t.gettext(message)

    def h(self, message: str, **values: object) -> str:
        """Translate `message` for HTML parse mode: the template and every value are escaped."""
        return _fill(self.t.gettext(message), values)

    def hn(self, singular: str, plural: str, n: int, **values: object) -> str:
        """Like `h` for a message with plural forms; `{n}` is the count, formatted."""
        return _fill(self.t.ngettext(singular, plural, n), {"n": self.t.number(n), **values})

    async def reply(
        self,
        message: Message,
        html: str,
        keyboard: InlineKeyboardMarkup | dict[str, Any] | None = None,
        *,
        preview: LinkPreviewOptions | None = None,
    ) -> None:
        """Answer `message` with `html` (HTML parse mode), quoting it, in its chat and topic."""
        await self.bot.send_html(
            message.chat_id,
            html,
            reply_to=message.message_id,
            thread_id=message.message_thread_id if message.is_topic_message else None,
            keyboard=keyboard,
            preview=preview,
        )


def _fill(template: str, values: dict[str, object]) -> str:
    safe = escape(template, quote=False)
    return safe.format(**{k: escape(str(v), quote=False) for k, v in values.items()})
