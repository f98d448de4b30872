"""BotContext's one way to reply and one way to edit, against the local Bot API server (which
parses HTML and refuses what Telegram refuses)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.playground.botapi.model import FakeUser
from bot.playground.botapi.server import LocalBotApi
from bot.telegram.app import ShopbotApplication
from handlers.context import BotContext

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Next", callback_data="n")]])


def said(
    api: LocalBotApi, app: ShopbotApplication, user: FakeUser, chat: int | None = None
) -> Message:
    """A message `user` sends (in their private chat, or in `chat`), as a handler receives it."""
    update = Update.de_json(api.make_message_update(user, "hello", chat), app.bot)
    assert update is not None and update.message is not None
    return update.message


async def test_a_reply_is_html_and_quotes_only_in_groups(
    botapi: LocalBotApi, app: ShopbotApplication
) -> None:
    ann = botapi.user(501)
    context = BotContext(app)
    await context.reply(said(botapi, app, ann), "1 &lt; 2 &amp; <b>bold</b>", KEYBOARD)
    (sent,) = botapi.messages(ann.id)
    assert sent.text == "1 < 2 & bold" and sent.reply_to_message_id is None
    assert sent.buttons[0][0].text == "Next"

    group = botapi.make_group(-100501, "Deals")
    asked = said(botapi, app, ann, group.id)
    await context.reply(asked, "in the group")
    assert botapi.messages(group.id)[-1].reply_to_message_id == asked.message_id
    await context.reply(said(botapi, app, ann), "results", quote=True)
    assert botapi.messages(ann.id)[-1].reply_to_message_id is not None


async def test_a_refused_photo_still_brings_its_text_and_buttons(
    botapi: LocalBotApi, app: ShopbotApplication
) -> None:
    ann = botapi.user(502)
    context = BotContext(app)
    await context.reply(said(botapi, app, ann), "<b>Card</b>", KEYBOARD, photo="http://a b c")
    (sent,) = botapi.messages(ann.id)
    assert sent.photo is None and sent.text == "Card" and sent.buttons[0][0].text == "Next"

    await context.reply(said(botapi, app, ann), "<i>Card</i>", photo="https://x.cn/1.jpg")
    assert botapi.messages(ann.id)[-1].caption == "Card"


async def test_an_edit_changes_a_caption_or_a_text_and_a_second_press_changes_nothing(
    botapi: LocalBotApi, app: ShopbotApplication
) -> None:
    ann = botapi.user(503)
    context = BotContext(app)
    await context.reply(said(botapi, app, ann), "photo", KEYBOARD, photo="https://x.cn/1.jpg")
    await context.reply(said(botapi, app, ann), "text", KEYBOARD)
    photo_id, text_id = (m.message_id for m in botapi.messages(ann.id))
    photo, text = (
        Message.de_json(botapi.message_json(m), app.bot) for m in botapi.messages(ann.id)
    )
    assert photo is not None and text is not None
    await context.edit(photo, "a &amp; b", KEYBOARD)
    await context.edit(photo, "a &amp; b", KEYBOARD)  # "message is not modified": no error
    await context.edit(text, "<b>new</b>")
    await context.edit(text, None, KEYBOARD)
    shown = {m.message_id: m for m in botapi.messages(ann.id)}
    assert shown[photo_id].caption == "a & b" and shown[photo_id].edits == 1
    assert shown[text_id].text == "new" and shown[text_id].buttons[0][0].text == "Next"


async def test_the_bot_sends_html_by_default(botapi: LocalBotApi, app: ShopbotApplication) -> None:
    ann = botapi.user(504)
    await app.bot.send_message(ann.id, "<b>bold</b> &amp; plain")
    assert botapi.messages(ann.id)[-1].text == "bold & plain"
