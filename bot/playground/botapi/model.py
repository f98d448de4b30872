"""In-memory model of the fake Bot API: chats, bot messages, answers and the update factory."""

from __future__ import annotations

import itertools
import re
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from bot.playground.botapi.html import Entity, utf16_len
from bot.playground.botapi.rules import bad_request

JsonDict = dict[str, Any]
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")


@dataclass
class Call:
    """One request received by the fake server."""

    method: str
    params: JsonDict
    ok: bool
    description: str | None = None
    error_code: int | None = None
    result: Any = None
    time: float = field(default_factory=time.time)


@dataclass(frozen=True)
class UploadedFile:
    """A file sent as multipart/form-data."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)


@dataclass
class Button:
    """An inline keyboard button of a bot message."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    switch_inline_query: str | None = None
    switch_inline_query_current_chat: str | None = None
    web_app_url: str | None = None
    copy_text: str | None = None
    raw: JsonDict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: JsonDict) -> Button:
        """Build from an InlineKeyboardButton JSON object."""
        web_app, copy = data.get("web_app"), data.get("copy_text")
        return cls(
            text=data["text"],
            callback_data=data.get("callback_data"),
            url=data.get("url"),
            switch_inline_query=data.get("switch_inline_query"),
            switch_inline_query_current_chat=data.get("switch_inline_query_current_chat"),
            web_app_url=web_app.get("url") if isinstance(web_app, dict) else None,
            copy_text=copy.get("text") if isinstance(copy, dict) else None,
            raw=data,
        )


@dataclass
class SentMessage:
    """A bot message in its current state (after edits and deletes)."""

    message_id: int
    chat_id: int
    date: int
    text: str = ""
    html: str = ""
    entities: list[Entity] = field(default_factory=list)
    photo: str | None = None
    photo_file_id: str | None = None
    caption: str | None = None
    caption_entities: list[Entity] = field(default_factory=list)
    reply_markup: JsonDict | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    reply_keyboard: list[list[str]] | None = None
    reply_to_message_id: int | None = None
    link_preview: JsonDict | None = None  # link_preview_options as sent
    invoice: JsonDict | None = None  # the Invoice object of a sendInvoice message
    deleted: bool = False
    edits: int = 0
    edit_date: int | None = None

    def set_markup(self, markup: JsonDict | None) -> None:
        """Store ``reply_markup`` and derive ``buttons`` / ``reply_keyboard`` from it."""
        self.reply_markup = markup
        rows = (markup or {}).get("inline_keyboard") or []
        self.buttons = [[Button.from_json(b) for b in row] for row in rows]
        keyboard = (markup or {}).get("keyboard")
        self.reply_keyboard = (
            [[b if isinstance(b, str) else b["text"] for b in row] for row in keyboard]
            if keyboard is not None
            else None
        )

    @property
    def all_buttons(self) -> list[Button]:
        """Inline buttons, row by row."""
        return [button for row in self.buttons for button in row]

    def button(self, text: str) -> Button:
        """The inline button whose text equals (or else contains) ``text``."""
        for exact in (True, False):
            for button in self.all_buttons:
                if button.text == text if exact else text in button.text:
                    return button
        raise KeyError(f"no button {text!r} in message {self.message_id}")


@dataclass
class CallbackAnswer:
    """An answerCallbackQuery call."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    chat_id: int | None
    message_id: int | None


@dataclass
class InlineAnswer:
    """An answerInlineQuery call."""

    inline_query_id: str
    query: str
    results: list[JsonDict]
    cache_time: int | None
    is_personal: bool
    next_offset: str | None
    button: JsonDict | None


@dataclass
class FakeUser:
    """A Telegram user that talks to the bot."""

    id: int
    first_name: str = "Ann"
    language_code: str | None = "en"
    username: str | None = None
    last_name: str | None = None

    def to_dict(self) -> JsonDict:
        """Telegram ``User`` JSON."""
        data: JsonDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class FakeChat:
    """A chat the bot can talk to."""

    id: int
    type: str = "private"
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    def to_dict(self) -> JsonDict:
        """Telegram ``Chat`` JSON."""
        data: JsonDict = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class _PendingCallback:
    user: FakeUser
    chat_id: int
    message_id: int


class BotApiState:
    """Chats, messages and pending queries; also builds incoming updates."""

    def __init__(self, bot_user: JsonDict) -> None:
        self.bot_user = bot_user
        self.chats: dict[int, FakeChat] = {}
        # Private chats whose user blocked the bot: a send there is 403 Forbidden.
        self.blocked: set[int] = set()
        # Group and channel members' status (getChatMember): chat id -> user id -> status;
        # anyone not listed is a "member" of a group the bot is in.
        self.member_status: dict[int, dict[int, str]] = {}
        self.users: dict[int, FakeUser] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.inline_answers: list[InlineAnswer] = []
        self._messages: dict[int, dict[int, SentMessage]] = {}
        self._user_messages: dict[int, dict[int, JsonDict]] = {}
        self._last_message_id: dict[int, int] = {}
        self._updates: list[JsonDict] = []
        self._last_update_id = 0
        self._query_ids = itertools.count(4_617_000_000_000_000_001)
        self._pending_callbacks: dict[str, _PendingCallback] = {}
        self._pending_inline: dict[str, str] = {}
        self._files: dict[str, bytes | None] = {}
        self._url_files: dict[str, str] = {}

    # --- chats -----------------------------------------------------------------------------

    def register_chat(
        self,
        chat_id: int,
        type: str = "private",
        title: str | None = None,
        *,
        username: str | None = None,
        first_name: str | None = None,
    ) -> FakeChat:
        """Make ``chat_id`` known so the bot may send to it."""
        if type == "private" and chat_id <= 0:
            raise ValueError("private chat ids are positive")
        if type != "private" and chat_id >= 0:
            raise ValueError("group/supergroup/channel chat ids are negative")
        chat = FakeChat(chat_id, type, title, username, first_name)
        self.chats[chat_id] = chat
        return chat

    def user(
        self,
        user_id: int,
        first_name: str = "Ann",
        language_code: str | None = "en",
        username: str | None = None,
    ) -> FakeUser:
        """Create a user and its private chat with the bot."""
        fake = FakeUser(user_id, first_name, language_code, username)
        self.users[user_id] = fake
        self.register_chat(user_id, "private", username=username, first_name=first_name)
        return fake

    def make_group(self, chat_id: int, title: str, type: str = "supergroup") -> FakeChat:
        """Create a group/supergroup/channel the bot is a member of."""
        return self.register_chat(chat_id, type, title)

    def resolve_chat(self, chat_id: Any) -> FakeChat:
        """Find a chat by id or ``@username``; Telegram's "chat not found" otherwise."""
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for chat in self.chats.values():
                    if chat.username and chat.username.lower() == chat_id[1:].lower():
                        return chat
                raise bad_request("chat not found")
            try:
                chat_id = int(chat_id)
            except ValueError:
                raise bad_request("chat not found") from None
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int) or chat_id not in self.chats:
            raise bad_request("chat not found")
        return self.chats[chat_id]

    # --- messages --------------------------------------------------------------------------

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[SentMessage]:
        """Bot messages in ``chat_id``, oldest first, in their current state."""
        found = self._messages.get(chat_id, {}).values()
        return [m for m in found if include_deleted or not m.deleted]

    def last_message(self, chat_id: int) -> SentMessage | None:
        """The newest non-deleted bot message in ``chat_id``."""
        current = self.messages(chat_id)
        return current[-1] if current else None

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """A bot message by id (deleted ones included)."""
        return self._messages.get(chat_id, {}).get(message_id)

    def _next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _store(self, message: SentMessage) -> None:
        self._messages.setdefault(message.chat_id, {})[message.message_id] = message

    def _message_exists(self, chat_id: int, message_id: int) -> bool:
        bot_message = self.message(chat_id, message_id)
        if bot_message is not None:
            return not bot_message.deleted
        user_message = self._user_messages.get(chat_id, {}).get(message_id)
        return user_message is not None and not user_message.get("_deleted")

    def message_json(self, message: SentMessage) -> JsonDict:
        """The Telegram ``Message`` JSON of a bot message."""
        data: JsonDict = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": self.chats[message.chat_id].to_dict(),
            "date": message.date,
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.reply_to_message_id is not None:
            replied = self._user_messages.get(message.chat_id, {}).get(message.reply_to_message_id)
            if replied is not None:
                data["reply_to_message"] = {k: v for k, v in replied.items() if k[0] != "_"}
            elif (
                bot_reply := self.message(message.chat_id, message.reply_to_message_id)
            ) is not None:
                nested = self.message_json(bot_reply)
                nested.pop("reply_to_message", None)  # Telegram nests replies one level deep
                data["reply_to_message"] = nested
        if message.invoice is not None:
            data["invoice"] = message.invoice
        elif message.photo_file_id is not None:
            data["photo"] = _photo_sizes(message.photo_file_id)
            if message.caption:
                data["caption"] = message.caption
            if message.caption_entities:
                data["caption_entities"] = message.caption_entities
        else:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.reply_markup is not None and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    # --- files -----------------------------------------------------------------------------

    def register_file(self, data: bytes | None = None, url: str | None = None) -> str:
        """A file_id for uploaded bytes or a photo URL (the same URL keeps its file_id)."""
        if url is not None and url in self._url_files:
            return self._url_files[url]
        file_id = f"AgACAgIAAxkBAAI{len(self._files) + 1:08d}"
        self._files[file_id] = data
        if url is not None:
            self._url_files[url] = file_id
        return file_id

    # --- updates ---------------------------------------------------------------------------

    def push_update(self, update: JsonDict) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        if "update_id" not in update:
            self._last_update_id += 1
            update["update_id"] = self._last_update_id
        self._last_update_id = max(self._last_update_id, int(update["update_id"]))
        self._updates.append(update)
        self._updates.sort(key=lambda u: int(u["update_id"]))
        self._updates_changed()
        return int(update["update_id"])

    def _updates_changed(self) -> None:
        """Hook: wake long-polling getUpdates requests."""

    def _new_update(self, key: str, payload: JsonDict) -> JsonDict:
        self._last_update_id += 1
        return {"update_id": self._last_update_id, key: payload}

    def _chat_for(self, user: FakeUser, chat: FakeChat | int | None) -> FakeChat:
        if chat is None:
            if user.id not in self.chats:
                self.user(user.id, user.first_name, user.language_code, user.username)
            return self.chats[user.id]
        if isinstance(chat, FakeChat):
            self.chats.setdefault(chat.id, chat)
            return chat
        return self.resolve_chat(chat)

    def make_message_update(
        self,
        user: FakeUser,
        text: str,
        chat: FakeChat | int | None = None,
        *,
        edited: bool = False,
        sticker: bool = False,
        photo: bool = False,
    ) -> JsonDict:
        """An Update with a user's message (``text`` is ignored for stickers; with ``photo`` it
        is the photo's caption, a command in it not marked as one, as Telegram does)."""
        message = self._user_message(user, chat, edited=edited)
        message_id = message["message_id"]
        if photo:
            file_id = self.register_file(f"photo {message_id}".encode())
            message["photo"] = [
                {"file_id": file_id, "file_unique_id": f"AgADphoto{message_id}", "width": w,
                 "height": w, "file_size": w * 100}
                for w in (90, 800)
            ]  # fmt: skip
            if text:
                message["caption"] = text
        elif sticker:
            message["sticker"] = {
                "file_id": f"CAACAgIAAxkBAAI{message_id:08d}",
                "file_unique_id": f"AgADsticker{message_id}",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "🙂",
            }
        else:
            message["text"] = text
            command = _COMMAND_RE.match(text)
            if command and (len(text) == command.end() or text[command.end()].isspace()):
                length = utf16_len(command.group())
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if edited:
            message["edit_date"] = message["date"]
        return self._new_update("edited_message" if edited else "message", dict(message))

    def _user_message(
        self, user: FakeUser, chat: FakeChat | int | None, *, edited: bool = False
    ) -> JsonDict:
        """A new (or, ``edited``, the newest) message of ``user``, kept in the chat's history;
        the caller fills in its content."""
        self.users.setdefault(user.id, user)
        target = self._chat_for(user, chat)
        history = self._user_messages.setdefault(target.id, {})
        if edited and history:
            message_id = max(history)
        else:
            message_id = self._next_message_id(target.id)
        message: JsonDict = {
            "message_id": message_id,
            "from": user.to_dict(),
            "chat": target.to_dict(),
            "date": int(time.time()),
        }
        history[message_id] = message
        return message

    def make_callback_update(
        self,
        user: FakeUser,
        message: SentMessage,
        callback_data: str,
        *,
        check_button: bool = True,
    ) -> JsonDict:
        """An Update with a press of an inline button of a bot message.

        With ``check_button`` the message must be alive and carry a button with that data,
        as a real client could only press an existing button.
        """
        if check_button:
            current = self.message(message.chat_id, message.message_id)
            if current is None or current.deleted:
                raise ValueError(f"message {message.message_id} does not exist any more")
            if callback_data not in {b.callback_data for b in current.all_buttons}:
                raise ValueError(f"message {message.message_id} has no button {callback_data!r}")
            message = current
        self.users.setdefault(user.id, user)
        query_id = str(next(self._query_ids))
        self._pending_callbacks[query_id] = _PendingCallback(
            user, message.chat_id, message.message_id
        )
        return self._new_update(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_dict(),
                "message": self.message_json(message),
                "chat_instance": str(abs(message.chat_id) * 7919 + 104729),
                "data": callback_data,
            },
        )

    def make_block_update(self, user: FakeUser, blocked: bool = True) -> JsonDict:
        """The user blocks the bot (sends to the chat are 403 from now on) or unblocks it: the
        ``my_chat_member`` update Telegram sends the bot about it."""
        chat = self._chat_for(user, None)
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        (self.blocked.add if blocked else self.blocked.discard)(chat.id)
        bot = self.bot_user
        member = {"chat": chat.to_dict(), "from": user.to_dict(), "date": int(time.time()),
                  "old_chat_member": {"status": old, "user": bot, "until_date": 0},
                  "new_chat_member": {"status": new, "user": bot, "until_date": 0}}  # fmt: skip
        return self._new_update("my_chat_member", member)

    def make_bot_added_update(
        self, user: FakeUser, chat: FakeChat, status: str = "member"
    ) -> JsonDict:
        """`user` adds the bot to a group or channel (`status` member or administrator), or
        removes it (left, kicked): the ``my_chat_member`` update the bot receives."""
        old = "left" if status in ("member", "administrator") else "member"
        self.chats.setdefault(chat.id, chat)
        rights = _ADMIN_RIGHTS if status == "administrator" else {}
        member = {"chat": chat.to_dict(), "from": user.to_dict(), "date": int(time.time()),
                  "old_chat_member": {"status": old, "user": self.bot_user, "until_date": 0},
                  "new_chat_member": {"status": status, "user": self.bot_user, "until_date": 0,
                                      **rights}}  # fmt: skip
        return self._new_update("my_chat_member", member)

    def chat_member_json(self, chat_id: int, user_id: int) -> JsonDict:
        """getChatMember's answer: the user's status there, with an administrator's rights."""
        status = self.member_status.get(chat_id, {}).get(user_id, "member")
        user = self.users.get(user_id)
        who = user.to_dict() if user else {"id": user_id, "is_bot": False, "first_name": "?"}
        extra: JsonDict = {}
        if status == "administrator":
            extra = dict(_ADMIN_RIGHTS)
        elif status == "creator":
            extra = {"is_anonymous": False}
        elif status == "kicked":
            extra = {"until_date": 0}
        return {"status": status, "user": who, **extra}

    def make_inline_query_update(self, user: FakeUser, query: str, offset: str = "") -> JsonDict:
        """An Update with an inline query typed by ``user``."""
        self.users.setdefault(user.id, user)
        query_id = str(next(self._query_ids))
        self._pending_inline[query_id] = query
        return self._new_update(
            "inline_query",
            {
                "id": query_id,
                "from": user.to_dict(),
                "query": query,
                "offset": offset,
                "chat_type": "sender",
            },
        )


def _photo_sizes(file_id: str) -> list[JsonDict]:
    unique = f"AQAD{zlib.crc32(file_id.encode()):010d}"
    return [
        {
            "file_id": f"{file_id}",
            "file_unique_id": f"{unique}s",
            "width": 90,
            "height": 90,
            "file_size": 1200,
        },
        {
            "file_id": f"{file_id}",
            "file_unique_id": unique,
            "width": 800,
            "height": 800,
            "file_size": 64000,
        },
    ]


_ADMIN_RIGHTS: JsonDict = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
    "can_post_messages": True, "can_edit_messages": True, "can_pin_messages": True,
}  # fmt: skip
