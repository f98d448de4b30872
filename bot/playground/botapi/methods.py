"""Chat-level methods of the fake Bot API: sending, editing and deleting messages, queries."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.playground.botapi.html import FormattedText
from bot.playground.botapi.model import (
    BotApiState,
    CallbackAnswer,
    FakeChat,
    InlineAnswer,
    JsonDict,
    SentMessage,
    UploadedFile,
)
from bot.playground.botapi.params import Params
from bot.playground.botapi.rules import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    ApiError,
    FloodControl,
    bad_request,
    format_text,
    is_valid_button_url,
    validate_reply_markup,
)

Handler = Callable[[Params], Awaitable[Any]]
_CHAT_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document "
    "choose_sticker find_location record_video_note upload_video_note".split()
)
_INLINE_TYPES = frozenset(
    "article photo gif mpeg4_gif video audio voice document location venue contact game "
    "sticker".split()
)


class ChatMethods(BotApiState):
    """Handlers of the message-related Bot API methods, on top of the in-memory state."""

    FLOOD_METHODS = frozenset({"sendMessage", "sendPhoto"})

    def __init__(self, bot_user: JsonDict, flood: FloodControl | None) -> None:
        super().__init__(bot_user)
        self.flood = flood

    def chat_handlers(self) -> dict[str, Handler]:
        """Telegram method name -> handler."""
        return {
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getFile": self._get_file,
        }

    # --- helpers ---------------------------------------------------------------------------

    def _format(self, raw: str | None, p: Params, prefix: str = "") -> FormattedText:
        names = {uid: u.first_name for uid, u in self.users.items()}
        return format_text(
            raw or "",
            p.text("parse_mode"),
            p.get(f"{prefix}entities" if prefix else "entities"),
            names,
        )

    def _message_text(self, p: Params) -> FormattedText:
        formatted = self._format(p.text("text"), p)
        if not formatted.text:
            raise bad_request("message text is empty")
        if len(formatted.text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return formatted

    def _caption(self, p: Params) -> FormattedText:
        formatted = self._format(p.text("caption"), p, "caption_")
        if len(formatted.text) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        return formatted

    def _reply_to(self, chat_id: int, p: Params) -> int | None:
        reply = p.get("reply_parameters")
        if reply not in (None, "") and not isinstance(reply, dict):
            raise bad_request("can't parse reply parameters JSON object")
        reply = reply or {}
        message_id = reply.get("message_id", p.get("reply_to_message_id"))
        if message_id in (None, 0, ""):
            return None
        if isinstance(message_id, int) and self._message_exists(chat_id, message_id):
            return message_id
        if reply.get("allow_sending_without_reply") or p.flag("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")

    def _check_flood(self, method: str, chat_id: int, p: Params) -> None:
        """Telegram's send limits; a message sent with allow_paid_broadcast counts against the
        paid budget."""
        if self.flood is not None and method in self.FLOOD_METHODS:
            self.flood.check(chat_id, paid=p.flag("allow_paid_broadcast"))

    def _check_blocked(self, chat: FakeChat) -> None:
        if chat.id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def _new_message(self, chat: FakeChat, p: Params) -> SentMessage:
        self._check_blocked(chat)
        markup = validate_reply_markup(p.get("reply_markup"))
        message = SentMessage(0, chat.id, int(time.time()))
        message.reply_to_message_id = self._reply_to(chat.id, p)
        message.set_markup(markup)
        return message

    def _editable(self, p: Params) -> SentMessage | None:
        """The bot message an edit targets; None for inline messages."""
        if p.get("inline_message_id"):
            return None
        chat = self.resolve_chat(p.get("chat_id"))
        message_id = p.integer("message_id", "message identifier is not specified")
        if message_id in self._user_messages.get(chat.id, {}):
            raise bad_request("message can't be edited")
        message = self.message(chat.id, message_id)
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        return message

    def _edited(self, message: SentMessage) -> JsonDict:
        message.edits += 1
        message.edit_date = int(time.time())
        return self.message_json(message)

    # --- methods ---------------------------------------------------------------------------

    async def _send_message(self, p: Params) -> JsonDict:
        chat = self.resolve_chat(p.get("chat_id"))
        formatted = self._message_text(p)
        message = self._new_message(chat, p)
        self._check_flood("sendMessage", chat.id, p)
        message.message_id = self._next_message_id(chat.id)
        message.text, message.entities, message.html = (
            formatted.text,
            formatted.entities,
            p.text("text") or "",
        )
        message.link_preview = _link_preview(p)
        self._store(message)
        return self.message_json(message)

    async def _send_photo(self, p: Params) -> JsonDict:
        chat = self.resolve_chat(p.get("chat_id"))
        photo = p.get("photo")
        if isinstance(photo, UploadedFile):
            file_id = self.register_file(photo.data)
            shown = file_id
        elif isinstance(photo, str) and photo in self._files:
            file_id = shown = photo
        elif isinstance(photo, str) and photo.lower().startswith(("http://", "https://")):
            if not is_valid_button_url(photo):
                raise bad_request("failed to get HTTP URL content")
            file_id, shown = self.register_file(url=photo), photo
        elif photo in (None, ""):
            raise bad_request("there is no photo in the request")
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        caption = self._caption(p)
        message = self._new_message(chat, p)
        self._check_flood("sendPhoto", chat.id, p)
        message.message_id = self._next_message_id(chat.id)
        message.photo, message.photo_file_id, message.html = shown, file_id, p.text("caption") or ""
        message.caption, message.caption_entities = caption.text or None, caption.entities
        self._store(message)
        return self.message_json(message)

    async def _edit_message_text(self, p: Params) -> JsonDict | bool:
        formatted = self._message_text(p)
        markup = validate_reply_markup(p.get("reply_markup"), inline_only=True)
        message = self._editable(p)
        if message is None:
            return True
        if message.photo_file_id is not None or message.invoice is not None:
            raise bad_request("there is no text in the message to edit")
        preview = _link_preview(p)
        if (formatted.text, formatted.entities, markup, preview) == (
            message.text,
            message.entities,
            message.reply_markup,
            message.link_preview,
        ):
            raise ApiError(400, NOT_MODIFIED)
        message.text, message.entities, message.html = (
            formatted.text,
            formatted.entities,
            p.text("text") or "",
        )
        message.link_preview = preview
        message.set_markup(markup)
        return self._edited(message)

    async def _edit_message_caption(self, p: Params) -> JsonDict | bool:
        caption = self._caption(p)
        markup = validate_reply_markup(p.get("reply_markup"), inline_only=True)
        message = self._editable(p)
        if message is None:
            return True
        if message.photo_file_id is None:
            raise bad_request("there is no caption in the message to edit")
        if (caption.text or None, caption.entities, markup) == (
            message.caption,
            message.caption_entities,
            message.reply_markup,
        ):
            raise ApiError(400, NOT_MODIFIED)
        message.caption, message.caption_entities = caption.text or None, caption.entities
        message.html = p.text("caption") or ""
        message.set_markup(markup)
        return self._edited(message)

    async def _edit_message_reply_markup(self, p: Params) -> JsonDict | bool:
        markup = validate_reply_markup(p.get("reply_markup"), inline_only=True)
        message = self._editable(p)
        if message is None:
            return True
        if markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        message.set_markup(markup)
        return self._edited(message)

    async def _delete_message(self, p: Params) -> bool:
        chat = self.resolve_chat(p.get("chat_id"))
        message_id = p.integer("message_id", "message identifier is not specified")
        if not self._message_exists(chat.id, message_id):
            raise bad_request("message to delete not found")
        bot_message = self.message(chat.id, message_id)
        if bot_message is not None:
            bot_message.deleted = True
        else:
            self._user_messages[chat.id][message_id]["_deleted"] = True
        return True

    async def _send_chat_action(self, p: Params) -> bool:
        self.resolve_chat(p.get("chat_id"))
        if p.text("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _answer_callback_query(self, p: Params) -> bool:
        query_id = p.text("callback_query_id") or ""
        pending = self._pending_callbacks.get(query_id)
        text = p.text("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        if pending is None:
            raise ApiError(400, QUERY_TOO_OLD)
        del self._pending_callbacks[query_id]
        self.callback_answers.append(
            CallbackAnswer(
                query_id,
                text,
                p.flag("show_alert"),
                p.text("url"),
                int(p.number("cache_time")) if p.get("cache_time") is not None else None,
                pending.chat_id,
                pending.message_id,
            )
        )
        return True

    async def _answer_inline_query(self, p: Params) -> bool:
        query_id = p.text("inline_query_id") or ""
        results = p.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            self._check_inline_result(result, seen)
        if query_id not in self._pending_inline:
            raise ApiError(400, QUERY_TOO_OLD)
        button = p.get("button")
        self.inline_answers.append(
            InlineAnswer(
                query_id,
                self._pending_inline.pop(query_id),
                results,
                int(p.number("cache_time")) if p.get("cache_time") is not None else None,
                p.flag("is_personal"),
                p.text("next_offset"),
                button if isinstance(button, dict) else None,
            )
        )
        return True

    def _check_inline_result(self, result: Any, seen: set[str]) -> None:
        if not isinstance(result, dict) or not isinstance(result.get("type"), str):
            raise bad_request("can't parse InlineQueryResult JSON object")
        result_id = result.get("id")
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if result["type"] not in _INLINE_TYPES:
            raise bad_request("RESULT_TYPE_INVALID")
        if result["type"] == "article" and not (
            isinstance(result.get("title"), str) and result["title"].strip()
        ):
            raise bad_request(
                'can\'t parse InlineQueryResultArticle: Field "title" must be non-empty'
            )
        content = result.get("input_message_content")
        if isinstance(content, dict) and "message_text" in content:
            sub = Params(content)
            formatted = self._format(sub.text("message_text"), sub)
            if not formatted.text:
                raise bad_request("MESSAGE_EMPTY")
            if len(formatted.text) > MAX_TEXT_LENGTH:
                raise bad_request("MESSAGE_TOO_LONG")
        elif result["type"] == "article":
            raise bad_request(
                "can't parse InlineQueryResultArticle: input_message_content expected"
            )
        validate_reply_markup(result.get("reply_markup"), inline_only=True)

    async def _get_chat_member(self, p: Params) -> JsonDict:
        chat = self.resolve_chat(p.get("chat_id"))
        user_id = p.integer("user_id", "user_id is empty")
        if chat.type == "private" and user_id != chat.id:
            raise bad_request("user not found")
        return self.chat_member_json(chat.id, user_id)

    async def _get_chat(self, p: Params) -> JsonDict:
        chat = self.resolve_chat(p.get("chat_id"))
        gifts = {
            "unlimited_gifts": True,
            "limited_gifts": True,
            "unique_gifts": True,
            "premium_subscription": True,
            "gifts_from_channels": True,
        }
        return {
            **chat.to_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    async def _get_file(self, p: Params) -> JsonDict:
        file_id = p.text("file_id") or ""
        if file_id not in self._files:
            raise bad_request("invalid file_id")
        data = self._files[file_id]
        info: JsonDict = {
            "file_id": file_id,
            "file_unique_id": f"AQAD{file_id[-8:]}",
            "file_path": f"photos/{file_id}.jpg",
        }
        if data is not None:
            info["file_size"] = len(data)
        return info


def _link_preview(p: Params) -> JsonDict | None:
    """link_preview_options: an object whose url, if any, is a string (as Telegram checks)."""
    options = p.get("link_preview_options")
    if options is None:
        return None
    if not isinstance(options, dict) or not isinstance(options.get("url", ""), str):
        raise bad_request("can't parse link preview options")
    return options
