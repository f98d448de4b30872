"""The Bot the Application talks to Telegram through: PTB's ExtBot plus a reply that is not read
back.

PTB turns every sendMessage answer into a Message object (the sent text, its buttons and the
quoted message, field by field). A reply the bot never looks at again — a search results page,
"nothing found" — does not need that, and building it was a large share of a search reply's
CPU (bench/throughput.py). `send_html` posts through the same path as `send_message` (defaults,
rate limiter, request class, error mapping) and returns only the new message's id; an alert says
so (`alert=True`) and the pacer lets replies go first.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import ExtBot

from bot.telegram.pacer import ALERT


class ShopBot(ExtBot[Any]):
    async def send_html(
        self,
        chat_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
        keyboard: InlineKeyboardMarkup | dict[str, Any] | None = None,
        preview: LinkPreviewOptions | None = None,
        alert: bool = False,
    ) -> int:
        """Send `text` in HTML parse mode, quoting message `reply_to` if it is still there;
        returns the sent message's id.

        `keyboard` may be given as its `to_dict()`, made once for a reply sent many times.
        `alert=True`: news the shopper did not just ask for (an order or parcel alert); the
        pacer sends it after any waiting reply, at most one a second in its chat (see
        bot/telegram/pacer.py). A bot built without a rate limiter sends it straight away.
        """
        data: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML}
        if reply_to is not None:
            data["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
        if thread_id is not None:
            data["message_thread_id"] = thread_id
        if keyboard is not None:
            data["reply_markup"] = keyboard
        if preview is not None:
            data["link_preview_options"] = preview
        # Bot._post: the one call send_message makes before parsing; PTB is pinned to <23.
        pace = ALERT if alert and self.rate_limiter is not None else None
        result = await self._post(
            "sendMessage", data, api_kwargs=self._merge_api_rl_kwargs(None, pace)
        )
        return int(result["message_id"])
