"""ShopBot.send_html: a reply posted like send_message, without reading the message back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.playground.botapi.server import LocalBotApi
from bot.telegram.bot import ShopBot
from bot.telegram.request import AiohttpRequest

TOKEN = "123456:TEST-TOKEN"
CHAT = 4242


@pytest.fixture
async def bot() -> AsyncIterator[tuple[ShopBot, LocalBotApi]]:
    async with LocalBotApi(TOKEN) as api:
        user = api.user(CHAT, "Ann")
        api.make_message_update(user, "手机壳 <b>")  # message 1, to reply to
        shop = ShopBot(TOKEN, base_url=api.base_url, request=AiohttpRequest())
        async with shop:
            yield shop, api


async def test_reply_with_buttons_as_markup_or_as_its_dict(
    bot: tuple[ShopBot, LocalBotApi],
) -> None:
    shop, api = bot
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("1", callback_data="pv:7")]])
    first = await shop.send_html(CHAT, "<b>1 product</b> &amp; more", reply_to=1, keyboard=markup)
    second = await shop.send_html(CHAT, "again", reply_to=1, keyboard=markup.to_dict())
    one, two = api.messages(CHAT)[-2:]
    assert (first, second) == (one.message_id, two.message_id) and first != second
    assert one.text == "1 product & more" and one.reply_to_message_id == 1
    assert one.button("1").callback_data == two.button("1").callback_data == "pv:7"


async def test_a_vanished_original_still_gets_the_reply_and_bad_html_is_refused(
    bot: tuple[ShopBot, LocalBotApi],
) -> None:
    shop, api = bot
    sent = await shop.send_html(CHAT, "still here", reply_to=999)
    assert api.messages(CHAT)[-1].message_id == sent
    with pytest.raises(BadRequest, match="parse entities"):
        await shop.send_html(CHAT, "<b>unclosed")
