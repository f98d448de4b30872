"""The CallbackContext every handler receives: services plus the user's locale."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import Application, CallbackContext

from bot.i18n import DEFAULT_LOCALE, Translator, translator
from bot.models import User
from bot.process.deps import Deps
from bot.telegram.bot import ShopBot
from bot.telegram.updates import ServiceUpdate

log = logging.getLogger(__name__)


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

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> BotContext:
        """PTB's context for Telegram's updates; for a ServiceUpdate, the one of the user and
        chat it concerns."""
        if isinstance(update, ServiceUpdate):
            return cls(application, chat_id=update.chat_id, user_id=update.user_id)
        context = super().from_update(update, application)
        assert isinstance(context, BotContext)
        return context

    @property
    def deps(self) -> Deps:
        deps: Deps = self.application.bot_data["deps"]
        return deps

    def _(self, message: str) -> str:
        """Translate `message` into the user's language (plain text)."""
        return self.t.gettext(message)

    def h(self, message: str, **values: object) -> str:
        """Translate `message` for HTML parse mode: the template and every value are escaped
        (and, in a right-to-left language, isolated)."""
        return self.t.html(message, **values)

    def hn(self, singular: str, plural: str, n: int, **values: object) -> str:
        """Like `h` for a message with plural forms; `{n}` is the count, formatted."""
        return self.t.nhtml(singular, plural, n, **values)

    async def reply(
        self,
        message: Message,
        html: str,
        keyboard: InlineKeyboardMarkup | dict[str, Any] | None = None,
        *,
        photo: str | None = None,
        preview: LinkPreviewOptions | None = None,
        quote: bool | None = None,
    ) -> None:
        """Answer `message` in its chat and topic with `html`: as the caption of `photo` when
        one is given (as text if Telegram refuses the picture), else as text.

        `quote`: quote `message` (by default only in groups, where a bare answer could be read
        as meant for anyone). Search results always quote: their buttons read the query there.
        """
        chat, topic = (
            message.chat_id,
            message.message_thread_id if message.is_topic_message else None,
        )
        if quote is None:
            quote = message.chat.type != ChatType.PRIVATE
        reply_to = message.message_id if quote else None
        if photo:
            if isinstance(keyboard, dict):
                keyboard = InlineKeyboardMarkup.de_json(keyboard, self.bot)
            try:
                await self.bot.send_photo(
                    chat, photo, caption=html, reply_markup=keyboard, message_thread_id=topic,
                    reply_parameters=_quoting(reply_to),
                )  # fmt: skip
                return
            except BadRequest as exc:  # Telegram could not fetch the picture: the text still helps
                log.info("photo %s refused: %s", photo[:200], exc)
        await self.bot.send_html(
            chat, html, reply_to=reply_to, thread_id=topic, keyboard=keyboard, preview=preview
        )

    async def edit(
        self,
        message: Message,
        html: str | None,
        keyboard: InlineKeyboardMarkup | None = None,
        *,
        preview: LinkPreviewOptions | None = None,
    ) -> None:
        """Turn the bot's `message` into `html` with `keyboard`: its caption when it is a
        photo, else its text; `html` None changes the keyboard only. A message that already
        shows exactly this (a button pressed twice) is left as it is."""
        try:
            if html is None:
                await message.edit_reply_markup(reply_markup=keyboard)
            elif message.photo:
                await message.edit_caption(html, reply_markup=keyboard)
            else:
                await message.edit_text(html, reply_markup=keyboard, link_preview_options=preview)
        except BadRequest as exc:
            if "not modified" not in str(exc):
                raise

    async def remove(self, message: Message) -> None:
        """Delete the bot's `message`; one Telegram no longer lets us delete (older than two
        days) is left as it is."""
        try:
            await message.delete()
        except BadRequest as exc:
            log.info("could not delete message %s: %s", message.message_id, exc)


def _quoting(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id, allow_sending_without_reply=True)
