"""The fake Bot API server must speak Telegram's wire format and reject what Telegram rejects."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputFile,
    InputTextMessageContent,
    Message,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, InvalidToken, RetryAfter
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

from bot.playground.botapi.html import parse_html
from bot.playground.botapi.server import LocalBotApi, SentMessage

USER_ID = 1001


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    server = LocalBotApi()
    await server.start()
    server.user(USER_ID, "Ann")
    yield server
    await server.stop()


@pytest.fixture
async def bot(api: LocalBotApi) -> AsyncIterator[Bot]:
    tg = Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url)
    await tg.initialize()
    yield tg
    await tg.shutdown()


async def raw(api: LocalBotApi, method: str, token: str | None = None, **kw: Any) -> Any:
    """A raw HTTP request; returns (status, json body)."""
    url = f"http://127.0.0.1:{api.port}/bot{token or api.token}/{method}"
    async with aiohttp.ClientSession() as session, session.post(url, **kw) as resp:
        return resp.status, await resp.json()


def seconds(delay: int | dtm.timedelta) -> float:
    return delay.total_seconds() if isinstance(delay, dtm.timedelta) else float(delay)


async def send_html(bot: Bot, text: str, **kw: Any) -> Message:
    return await bot.send_message(USER_ID, text, parse_mode=ParseMode.HTML, **kw)


def keyboard(**button: Any) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(**button)]])


# --- transport -------------------------------------------------------------------------------


async def test_get_me_and_base_urls(api: LocalBotApi, bot: Bot) -> None:
    assert api.base_url == f"http://127.0.0.1:{api.port}/bot"
    assert api.base_file_url == f"http://127.0.0.1:{api.port}/file/bot"
    me = await bot.get_me()
    assert me.is_bot and me.username == "playground_bot" and me.id == 123456
    assert me.can_join_groups is True and me.supports_inline_queries is True
    assert me.can_read_all_group_messages is False
    assert api.calls_to("getMe")[0].ok


async def test_wrong_token_is_unauthorized(api: LocalBotApi) -> None:
    status, body = await raw(api, "getMe", token="999:WRONG")
    assert status == 401
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    other = Bot("999:WRONG", base_url=api.base_url)
    with pytest.raises(InvalidToken):
        await other.get_me()


async def test_unknown_method_and_case_insensitive_names(api: LocalBotApi) -> None:
    status, body = await raw(api, "sendTeleport", json={})
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = await raw(api, "GETME")
    assert status == 200 and body["ok"] and body["result"]["is_bot"]
    assert api.calls[-1].method == "getMe"


async def test_json_form_and_multipart_bodies(api: LocalBotApi) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    payload = {"chat_id": USER_ID, "text": "json", "reply_markup": markup}
    status, body = await raw(api, "sendMessage", json=payload)
    assert status == 200 and body["result"]["reply_markup"] == markup
    form = {"chat_id": str(USER_ID), "text": "form", "reply_markup": json.dumps(markup)}
    status, body = await raw(api, "sendMessage", data=form)
    assert status == 200 and body["result"]["text"] == "form"
    multipart = aiohttp.FormData()
    for key, value in form.items():
        multipart.add_field(key, value)
    multipart.add_field("photo", b"\x89PNG fake", filename="p.png", content_type="image/png")
    status, body = await raw(api, "sendPhoto", data=multipart)
    assert status == 200 and body["result"]["photo"][-1]["file_id"]
    assert api.calls[-1].params["chat_id"] == USER_ID
    assert api.calls[-1].params["reply_markup"] == markup
    assert [m.text for m in api.messages(USER_ID)[:2]] == ["json", "form"]
    assert api.last_message(USER_ID).buttons[0][0].callback_data == "go"  # type: ignore[union-attr]


async def test_error_body_matches_telegram(api: LocalBotApi) -> None:
    status, body = await raw(api, "sendMessage", json={"chat_id": USER_ID, "text": " "})
    assert status == 400
    assert body == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message text is empty",
    }
    assert api.calls[-1].ok is False and api.calls[-1].error_code == 400


# --- text, length and HTML ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n ", "<b> </b>", "<i></i>"])
async def test_empty_text_rejected(bot: Bot, text: str) -> None:
    with pytest.raises(BadRequest, match=r"^Message text is empty$"):
        await send_html(bot, text)


async def test_text_length_is_counted_after_parsing(api: LocalBotApi, bot: Bot) -> None:
    await send_html(bot, "a" * 4096)
    await send_html(bot, "<b>" + "a" * 4095 + "</b>&amp;")
    msg = await send_html(bot, "&lt;" * 4096)
    assert msg.text == "<" * 4096
    assert api.last_message(USER_ID).html == "&lt;" * 4096  # type: ignore[union-attr]
    for too_long in ("a" * 4097, "<b>" + "a" * 4096 + "</b>&amp;"):
        with pytest.raises(BadRequest, match="Message is too long"):
            await send_html(bot, too_long)


async def test_caption_length(api: LocalBotApi, bot: Bot) -> None:
    url = "https://example.com/p.jpg"
    await bot.send_photo(USER_ID, url, caption="<i>" + "c" * 1024 + "</i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(USER_ID, url, caption="c" * 1025)


async def test_escaped_hostile_text_is_shown_back_as_plain_text(bot: Bot) -> None:
    hostile = "<b>&\"'</script>"
    msg = await send_html(bot, f"<b>{html.escape(hostile)}</b>")
    assert msg.text == hostile
    assert msg.entities[0].type == "bold" and msg.entities[0].length == len(hostile)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Tom & Jerry", "Can't find end of the HTML entity starting at byte offset 4"),
        ("a &nbsp; b", 'Unsupported HTML entity "&nbsp;" at byte offset 2'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("2 > 1", 'Unescaped ">"'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<script>x</script>", 'Unsupported start tag "script"'),
        ("ü<b>x", 'Can\'t find end tag corresponding to start tag "b" at byte offset 2'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<a>link</a>", 'Tag "a" must have attribute "href"'),
        ('<a href="https://x.io/?a=1&b=2">l</a>', "Can't find end of the HTML entity"),
        ('<tg-emoji emoji-id="abc">🙂</tg-emoji>', "Invalid custom emoji identifier"),
    ],
)
async def test_invalid_html_rejected(api: LocalBotApi, bot: Bot, text: str, reason: str) -> None:
    with pytest.raises(BadRequest, match=r"^Can't parse entities: "):
        await send_html(bot, text)
    description = api.calls[-1].description or ""  # PTB lower-cases the message, so check raw
    assert description.startswith("Bad Request: can't parse entities: ")
    assert reason in description


async def test_html_entities_computed_like_telegram(bot: Bot) -> None:
    text = (
        '<b>Bold</b> <i>it</i> <a href="https://example.com/?a=1&amp;b=2">link</a> '
        '<tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">p</span> <s>x</s> <u>u</u> '
        '<code>c</code> <pre><code class="language-python">print(1)</code></pre>'
        "<blockquote expandable>q</blockquote>&#x41;&#66;&quot;"
    )
    msg = await send_html(bot, text)
    assert msg.text == 'Bold it link s p x u c print(1)qAB"'
    kinds = [(e.type, e.offset, e.length) for e in msg.entities]
    assert kinds == [
        ("bold", 0, 4),
        ("italic", 5, 2),
        ("text_link", 8, 4),
        ("spoiler", 13, 1),
        ("spoiler", 15, 1),
        ("strikethrough", 17, 1),
        ("underline", 19, 1),
        ("code", 21, 1),
        ("pre", 23, 8),
        ("expandable_blockquote", 31, 1),
    ]
    assert msg.entities[2].url == "https://example.com/?a=1&b=2"
    assert msg.entities[8].language == "python"


async def test_entity_offsets_are_utf16(bot: Bot) -> None:
    msg = await send_html(bot, "🛒 <b>Корзина</b> 👍<i>ok</i>")
    assert msg.text == "🛒 Корзина 👍ok"
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [
        ("bold", 3, 7),
        ("italic", 13, 2),
    ]
    assert msg.parse_entities() == {msg.entities[0]: "Корзина", msg.entities[1]: "ok"}


async def test_surrounding_whitespace_trimmed() -> None:
    parsed = parse_html("\n <b> hi</b>\n")
    assert parsed.text == "\n  hi\n"
    assert parsed.entities == [{"type": "bold", "offset": 2, "length": 3}]


async def test_plain_text_needs_no_escaping(bot: Bot) -> None:
    msg = await bot.send_message(USER_ID, "1 < 2 & <b>")
    assert msg.text == "1 < 2 & <b>" and msg.entities == ()


async def test_unsupported_parse_mode(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Unsupported parse_mode"):
        await bot.send_message(USER_ID, "*hi*", parse_mode=ParseMode.MARKDOWN_V2)


# --- reply markup -----------------------------------------------------------------------------


@pytest.mark.parametrize("data", ["x" * 64, "я" * 32, "🛒" * 16])
async def test_callback_data_up_to_64_bytes_accepted(api: LocalBotApi, bot: Bot, data: str) -> None:
    await bot.send_message(USER_ID, "ok", reply_markup=keyboard(text="B", callback_data=data))
    assert api.last_message(USER_ID).button("B").callback_data == data  # type: ignore[union-attr]


@pytest.mark.parametrize("data", ["x" * 65, "я" * 33, "🛒" * 16 + "x", ""])
async def test_callback_data_over_64_bytes_rejected(bot: Bot, data: str) -> None:
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER_ID, "x", reply_markup=keyboard(text="B", callback_data=data))


@pytest.mark.parametrize("url", ["ftp://example.com", "javascript:alert(1)", "http://localhost/x"])
async def test_bad_button_url_rejected(bot: Bot, url: str) -> None:
    with pytest.raises(BadRequest, match="Button_url_invalid"):
        await bot.send_message(USER_ID, "x", reply_markup=keyboard(text="B", url=url))


async def test_button_needs_text_and_exactly_one_action(api: LocalBotApi) -> None:
    cases = [
        ({"text": "B"}, "Text buttons are unallowed in the inline keyboard"),
        ({"text": "B", "callback_data": "a", "url": "https://x.io"}, "exactly one"),
        ({"text": "", "callback_data": "a"}, "BUTTON_TEXT_INVALID"),
        ({"callback_data": "a"}, 'Field "text" must be of type String'),
    ]
    for button, reason in cases:
        markup = {"inline_keyboard": [[button]]}
        status, body = await raw(
            api, "sendMessage", json={"chat_id": USER_ID, "text": "x", "reply_markup": markup}
        )
        assert status == 400 and reason in body["description"], body
    status, body = await raw(
        api, "sendMessage", data={"chat_id": USER_ID, "text": "x", "reply_markup": "{oops"}
    )
    assert body["description"] == "Bad Request: can't parse reply keyboard markup JSON object"


async def test_url_switch_and_other_keyboards_accepted(api: LocalBotApi, bot: Bot) -> None:
    inline = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Site", url="https://shop.example.com/item?id=1")],
            [InlineKeyboardButton("Tg", url="tg://resolve?domain=x")],
            [InlineKeyboardButton("Share", switch_inline_query="")],
        ]
    )
    await bot.send_message(USER_ID, "inline", reply_markup=inline)
    assert api.last_message(USER_ID).button("Share").switch_inline_query == ""  # type: ignore[union-attr]
    await bot.send_message(
        USER_ID, "kb", reply_markup=ReplyKeyboardMarkup([["A", "B"], ["C"]], resize_keyboard=True)
    )
    assert api.last_message(USER_ID).reply_keyboard == [["A", "B"], ["C"]]  # type: ignore[union-attr]
    await bot.send_message(USER_ID, "rm", reply_markup=ReplyKeyboardRemove())
    await bot.send_message(USER_ID, "fr", reply_markup=ForceReply())


# --- chats, edits, deletes --------------------------------------------------------------------


async def test_unknown_chat(api: LocalBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message(424242, "hi")
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message(-100123, "hi")
    api.register_chat(424242)
    group = api.make_group(-100123, "Buyers")
    await bot.send_message(424242, "hi")
    await bot.send_message(group.id, "hi group")
    chat = await bot.get_chat(group.id)
    assert chat.title == "Buyers" and chat.type == "supergroup"


async def test_edit_message_text_rules(api: LocalBotApi, bot: Bot) -> None:
    markup = keyboard(text="B", callback_data="b")
    msg = await send_html(bot, "<b>Hi</b>", reply_markup=markup)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>Hi</b>", USER_ID, msg.message_id, parse_mode="HTML", reply_markup=markup
        )
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await bot.edit_message_text("x", USER_ID, msg.message_id + 100)
    # same text, different entities is a modification; omitting reply_markup drops the keyboard
    edited = await bot.edit_message_text("Hi", USER_ID, msg.message_id)
    assert isinstance(edited, Message) and edited.edit_date is not None
    sent = api.last_message(USER_ID)
    assert sent is not None and sent.text == "Hi" and sent.entities == []
    assert sent.buttons == [] and sent.edits == 1
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER_ID, msg.message_id)
    await bot.edit_message_reply_markup(USER_ID, msg.message_id, reply_markup=markup)
    assert sent.button("B").callback_data == "b" and sent.edits == 2
    with pytest.raises(BadRequest, match="Inline keyboard expected"):
        await bot.edit_message_reply_markup(USER_ID, msg.message_id, reply_markup=ForceReply())  # type: ignore[arg-type]


async def test_empty_inline_keyboard_means_no_keyboard(api: LocalBotApi, bot: Bot) -> None:
    msg = await bot.send_message(USER_ID, "x", reply_markup=keyboard(text="B", callback_data="b"))
    await bot.edit_message_reply_markup(
        USER_ID, msg.message_id, reply_markup=InlineKeyboardMarkup([])
    )
    sent = api.message(USER_ID, msg.message_id)
    assert sent is not None and sent.reply_markup is None and sent.buttons == []
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER_ID, msg.message_id)


async def test_explicit_entities_instead_of_parse_mode(bot: Bot) -> None:
    msg = await bot.send_message(USER_ID, "🛒 cart", entities=[MessageEntity("bold", 3, 4)])
    assert msg.entities[0].type == "bold" and msg.parse_entity(msg.entities[0]) == "cart"
    with pytest.raises(BadRequest, match="out of the text bounds"):
        await bot.send_message(USER_ID, "🛒 cart", entities=[MessageEntity("bold", 3, 9)])


async def test_stop_releases_waiting_poll() -> None:
    server = LocalBotApi()
    await server.start()
    poll = asyncio.create_task(raw(server, "getUpdates", json={"timeout": 30}))
    await asyncio.sleep(0.2)
    await asyncio.wait_for(server.stop(), 3)
    assert await asyncio.wait_for(poll, 3) == (200, {"ok": True, "result": []})


async def test_edit_caption_and_type_mismatch(api: LocalBotApi, bot: Bot) -> None:
    photo = await bot.send_photo(USER_ID, "https://example.com/a.jpg", caption="one")
    text = await bot.send_message(USER_ID, "text")
    await bot.edit_message_caption(
        USER_ID, photo.message_id, caption="<b>two</b>", parse_mode="HTML"
    )
    sent = api.message(USER_ID, photo.message_id)
    assert sent is not None and sent.caption == "two" and sent.caption_entities[0]["type"] == "bold"
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_caption(
            USER_ID, photo.message_id, caption="<b>two</b>", parse_mode="HTML"
        )
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await bot.edit_message_text("x", USER_ID, photo.message_id)
    with pytest.raises(BadRequest, match="There is no caption in the message to edit"):
        await bot.edit_message_caption(USER_ID, text.message_id, caption="x")


async def test_delete_message(api: LocalBotApi, bot: Bot) -> None:
    first = await bot.send_message(USER_ID, "one")
    await bot.send_message(USER_ID, "two")
    assert await bot.delete_message(USER_ID, first.message_id) is True
    assert [m.text for m in api.messages(USER_ID)] == ["two"]
    assert api.messages(USER_ID, include_deleted=True)[0].deleted
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER_ID, first.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("again", USER_ID, first.message_id)


async def test_user_messages_cannot_be_edited_but_can_be_replied_to(
    api: LocalBotApi, bot: Bot
) -> None:
    update = api.make_message_update(api.users[USER_ID], "hello")
    user_message_id = update["message"]["message_id"]
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", USER_ID, user_message_id)
    reply = await bot.send_message(USER_ID, "hi!", reply_to_message_id=user_message_id)
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "hello"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(USER_ID, "hi!", reply_to_message_id=9999)


async def test_send_photo_sources(api: LocalBotApi, bot: Bot) -> None:
    by_url = await bot.send_photo(USER_ID, "https://cdn.example.com/x.jpg")
    file_id = by_url.photo[-1].file_id
    again = await bot.send_photo(USER_ID, file_id)
    assert again.photo[-1].file_id == file_id
    uploaded = await bot.send_photo(USER_ID, InputFile(b"\xff\xd8jpeg", filename="a.jpg"))
    assert api.last_message(USER_ID).photo == uploaded.photo[-1].file_id  # type: ignore[union-attr]
    tg_file = await bot.get_file(uploaded.photo[-1].file_id)
    assert bytes(await tg_file.download_as_bytearray()) == b"\xff\xd8jpeg"
    with pytest.raises(BadRequest, match="Wrong file identifier/http url specified"):
        await bot.send_photo(USER_ID, "not-a-file-id")


async def test_send_chat_action(bot: Bot) -> None:
    assert await bot.send_chat_action(USER_ID, "typing") is True
    with pytest.raises(BadRequest, match="Wrong parameter action in request"):
        await bot.send_chat_action(USER_ID, "dancing")


# --- queries ----------------------------------------------------------------------------------


async def test_answer_callback_query(api: LocalBotApi, bot: Bot) -> None:
    await bot.send_message(USER_ID, "pick", reply_markup=keyboard(text="B", callback_data="b"))
    sent = api.last_message(USER_ID)
    assert sent is not None
    update = api.make_callback_update(api.users[USER_ID], sent, "b")
    query_id = update["callback_query"]["id"]
    with pytest.raises(BadRequest, match="Message_too_long"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert await bot.answer_callback_query(query_id, text="x" * 200, show_alert=True)
    assert api.callback_answers[-1].show_alert is True
    assert api.callback_answers[-1].message_id == sent.message_id
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")
    with pytest.raises(ValueError, match="no button"):
        api.make_callback_update(api.users[USER_ID], sent, "forged")
    forged = api.make_callback_update(api.users[USER_ID], sent, "forged", check_button=False)
    assert forged["callback_query"]["data"] == "forged"


async def test_answer_inline_query(api: LocalBotApi, bot: Bot) -> None:
    def results(n: int) -> list[InlineQueryResultArticle]:
        content = InputTextMessageContent("<b>item</b>", parse_mode="HTML")
        return [InlineQueryResultArticle(str(i), f"Item {i}", content) for i in range(n)]

    first = api.make_inline_query_update(api.users[USER_ID], "phone")["inline_query"]["id"]
    with pytest.raises(BadRequest, match="Results_too_much"):
        await bot.answer_inline_query(first, results(51))
    assert await bot.answer_inline_query(first, results(50), cache_time=0)
    assert len(api.inline_answers[-1].results) == 50 and api.inline_answers[-1].query == "phone"
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_inline_query(first, results(1))
    second = api.make_inline_query_update(api.users[USER_ID], "x")["inline_query"]["id"]
    bad = [InlineQueryResultArticle("1", "t", InputTextMessageContent("a & b", parse_mode="HTML"))]
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.answer_inline_query(second, bad)


# --- commands, menu, webhook ------------------------------------------------------------------


async def test_my_commands_per_scope_and_language(api: LocalBotApi, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("cart_2", "Cart")])
    await bot.set_my_commands([BotCommand("start", "Старт")], language_code="ru")
    scope = BotCommandScopeChat(USER_ID)
    await bot.set_my_commands([BotCommand("admin", "Admin")], scope=scope)
    assert [c.command for c in await bot.get_my_commands()] == ["start", "cart_2"]
    assert [c.description for c in await bot.get_my_commands(language_code="ru")] == ["Старт"]
    assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["admin"]
    await bot.delete_my_commands(language_code="ru")
    assert await bot.get_my_commands(language_code="ru") == ()
    assert await bot.set_chat_menu_button(USER_ID) is True


@pytest.mark.parametrize(
    ("commands", "error"),
    [
        ([BotCommand("Start", "Start")], "Bot_command_invalid"),
        ([BotCommand("/start", "Start")], "Bot_command_invalid"),
        ([BotCommand("a" * 33, "Start")], "Bot_command_invalid"),
        ([BotCommand("start", "")], "Bot_command_description_invalid"),
        ([BotCommand("start", "d" * 257)], "Bot_command_description_invalid"),
        ([BotCommand(f"c{i}", "d") for i in range(101)], "Bot_commands_too_much"),
    ],
)
async def test_invalid_commands_rejected(bot: Bot, commands: list[BotCommand], error: str) -> None:
    with pytest.raises(BadRequest, match=error):
        await bot.set_my_commands(commands)


async def test_limits_of_valid_commands(bot: Bot) -> None:
    commands = [BotCommand(f"c{i}", "d" * 256) for i in range(99)] + [BotCommand("a" * 32, "d")]
    assert await bot.set_my_commands(commands)


async def test_webhook_blocks_get_updates(api: LocalBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="an https url must be provided"):
        await bot.set_webhook("http://example.com/hook")
    await bot.set_webhook("https://example.com/hook")
    assert (await bot.get_webhook_info()).url == "https://example.com/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()
    assert await bot.log_out() and await bot.close()


# --- flood control ----------------------------------------------------------------------------


async def test_flood_limits_off_by_default(bot: Bot) -> None:
    for i in range(10):
        await bot.send_message(USER_ID, f"m{i}")


async def test_flood_limit_private_chat() -> None:
    now = [0.0]
    async with LocalBotApi(flood_limits=True, clock=lambda: now[0]) as api:
        api.user(USER_ID)
        async with Bot(api.token, base_url=api.base_url) as bot:
            for i in range(3):
                await bot.send_message(USER_ID, f"burst {i}")
            with pytest.raises(RetryAfter) as err:
                await bot.send_message(USER_ID, "too fast")
            assert seconds(err.value.retry_after) == 1
            assert api.calls[-1].error_code == 429
            now[0] += 1.0
            await bot.send_message(USER_ID, "after a second")
    assert api.calls[-2].description == "Too Many Requests: retry after 1"


async def test_flood_limit_group_and_global() -> None:
    now = [100.0]
    async with LocalBotApi(flood_limits=True, clock=lambda: now[0]) as api:
        group = api.make_group(-1001, "Group")
        async with Bot(api.token, base_url=api.base_url) as bot:
            for i in range(20):
                await bot.send_message(group.id, f"g{i}")
                now[0] += 0.5
            with pytest.raises(RetryAfter) as err:
                await bot.send_message(group.id, "21st in a minute")
            assert seconds(err.value.retry_after) == 50
            now[0] += 60
            for uid in range(1, 31):
                api.user(uid)
                await bot.send_message(uid, "hi")
            with pytest.raises(RetryAfter):
                await bot.send_message(group.id, "31st this second")
    assert api.calls_to("sendMessage")[-1].error_code == 429
    assert len([c for c in api.calls_to("sendMessage") if c.ok]) == 50


async def test_flood_raw_body() -> None:
    async with LocalBotApi(flood_limits=True, clock=lambda: 0.0) as api:
        api.user(USER_ID)
        for _ in range(3):
            await raw(api, "sendMessage", json={"chat_id": USER_ID, "text": "x"})
        status, body = await raw(api, "sendMessage", json={"chat_id": USER_ID, "text": "x"})
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }


# --- updates ----------------------------------------------------------------------------------


async def test_get_updates_long_polling_and_offset(api: LocalBotApi, bot: Bot) -> None:
    user = api.users[USER_ID]
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    api.push_update(api.make_message_update(user, "hello"))
    updates = await asyncio.wait_for(poll, 2)
    assert [u.message.text for u in updates if u.message] == ["hello"]
    # not confirmed yet: delivered again
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    second = api.push_update(api.make_message_update(user, "second"))
    confirmed = await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    assert [u.update_id for u in confirmed] == [second]
    assert await bot.get_updates(offset=second + 1, timeout=0) == ()
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(offset=second + 1, timeout=1) == ()
    assert 0.8 <= loop.time() - started < 3


async def test_get_updates_limit_and_negative_offset(api: LocalBotApi, bot: Bot) -> None:
    user = api.users[USER_ID]
    ids = [api.push_update(api.make_message_update(user, f"m{i}")) for i in range(5)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[-1:]
    assert (await bot.get_webhook_info()).pending_update_count == 1


async def test_newer_get_updates_terminates_older(api: LocalBotApi) -> None:
    # raw requests: PTB's own getUpdates connection pool has a single connection
    first = asyncio.create_task(raw(api, "getUpdates", json={"timeout": 5}))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(raw(api, "getUpdates", json={"timeout": 1}))
    status, body = await asyncio.wait_for(first, 2)
    assert status == 409
    assert body["description"] == (
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running"
    )
    assert await second == (200, {"ok": True, "result": []})


async def test_update_factory_dicts_deserialize(api: LocalBotApi, bot: Bot) -> None:
    user = api.user(2002, "Bob", "ru", "bob")
    group = api.make_group(-100777, "Shop chat")
    start = Update.de_json(api.make_message_update(user, "/start ref_1"), bot)
    assert start.message is not None and start.effective_user is not None
    assert start.effective_user.language_code == "ru" and start.effective_chat.type == "private"  # type: ignore[union-attr]
    assert start.message.parse_entities() == {start.message.entities[0]: "/start"}
    in_group = Update.de_json(api.make_message_update(user, "/cart@playground_bot", group), bot)
    assert in_group.effective_chat.id == group.id  # type: ignore[union-attr]
    assert in_group.message.entities[0].length == len("/cart@playground_bot")  # type: ignore[union-attr]
    sticker = Update.de_json(api.make_message_update(user, "", sticker=True), bot)
    assert sticker.message.sticker is not None and sticker.message.text is None  # type: ignore[union-attr]
    edited = Update.de_json(api.make_message_update(user, "fixed", edited=True), bot)
    assert edited.edited_message is not None and edited.edited_message.text == "fixed"
    assert edited.edited_message.message_id == sticker.message.message_id  # type: ignore[union-attr]
    inline = Update.de_json(api.make_inline_query_update(user, "iphone"), bot)
    assert inline.inline_query is not None and inline.inline_query.query == "iphone"
    msg = await send_html(bot, "<b>Pick</b> 🛒", reply_markup=keyboard(text="B", callback_data="b"))
    sent = api.last_message(USER_ID)
    assert isinstance(sent, SentMessage) and sent.message_id == msg.message_id
    callback = Update.de_json(api.make_callback_update(api.users[USER_ID], sent, "b"), bot)
    query = callback.callback_query
    assert query is not None and query.data == "b" and query.from_user.id == USER_ID
    assert isinstance(query.message, Message) and query.message.text == "Pick 🛒"
    assert query.message.from_user.id == bot.id  # type: ignore[union-attr]
    assert query.message.reply_markup == msg.reply_markup
    ids = [u.update_id for u in (start, in_group, sticker, edited, inline, callback)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


async def test_wait_for_call_and_on_call(api: LocalBotApi, bot: Bot) -> None:
    seen: list[str] = []
    api.on_call.append(lambda call: seen.append(call.method))
    waiter = asyncio.create_task(api.wait_for_call("sendMessage", timeout=2))
    await asyncio.sleep(0)
    await bot.send_chat_action(USER_ID, "typing")
    await bot.send_message(USER_ID, "out")
    call = await waiter
    assert call.params["text"] == "out" and call.ok and call.result["text"] == "out"
    assert seen == ["sendChatAction", "sendMessage"]
    with pytest.raises(TimeoutError):
        await api.wait_for_call("sendPhoto", timeout=0.1)


async def test_application_polls_the_fake(api: LocalBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        name = html.escape(update.effective_user.first_name)  # type: ignore[union-attr]
        await context.bot.send_message(
            update.effective_chat.id, f"Hi, <b>{name}</b>!", parse_mode="HTML"
        )

    app: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    user = api.user(3003, "<Eve & Co>")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        api.push_update(api.make_message_update(user, "/start"))
        call = await api.wait_for_call("sendMessage", timeout=5)
        await app.updater.stop()
        await app.stop()
    assert call.ok, call.description
    assert api.last_message(user.id).text == "Hi, <Eve & Co>!"  # type: ignore[union-attr]
