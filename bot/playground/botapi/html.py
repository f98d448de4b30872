"""Telegram's ``parse_mode=HTML`` parser (modelled on tdlib's ``parse_html``), stricter on '&'/'>'.

Telegram itself tolerates a bare ``&`` or ``>``; this parser rejects them so that code which
forgets :func:`html.escape` fails in tests instead of silently rendering mangled text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,8})|#x([0-9a-fA-F]{1,8})|([a-zA-Z]+));")
_TG_USER_RE = re.compile(r"tg://user\?id=([0-9]{1,20})$", re.IGNORECASE)
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_DOMAIN_RE = re.compile(r"^[^\s/:?#]+\.[a-zA-Z]{2,}(?:[:/?#]\S*)?$")


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(err)`` is the reason Telegram would give."""


@dataclass
class FormattedText:
    """Visible text plus its Telegram entities (offsets/lengths in UTF-16 code units)."""

    text: str
    entities: list[Entity] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_start: int
    byte_pos: int


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _is_space(ch: str) -> bool:
    return ch in " \t\r\n\f\v"


def _valid_link(url: str) -> str | None:
    """Return the normalised URL of a text_link, or None when Telegram would drop it."""
    url = url.strip()
    scheme = _SCHEME_RE.match(url)
    if scheme:
        kind = scheme.group(1).lower()
        if kind in ("http", "https"):
            rest = url[len(kind) + 3 :] if url[len(kind) :].startswith("://") else ""
            return url if _DOMAIN_RE.match(rest) else None
        return url if kind in ("tg", "ton") and len(url) > len(kind) + 3 else None
    return f"http://{url}" if _DOMAIN_RE.match(url) else None


class _HtmlParser:
    """Single-use parser; see :func:`parse_html`."""

    def __init__(self, source: str, user_names: dict[int, str] | None) -> None:
        self.src = source
        self.user_names = user_names or {}
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[Entity] = []
        self.last_code_language = ""

    def _offset(self, pos: int) -> int:
        return len(self.src[:pos].encode("utf-8"))

    def _fail(self, reason: str, pos: int) -> HtmlParseError:
        return HtmlParseError(f"{reason} at byte offset {self._offset(pos)}")

    def _emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.utf16 += utf16_len(chunk)

    def parse(self) -> FormattedText:
        src, i = self.src, 0
        while i < len(src):
            ch = src[i]
            if ch == "&":
                decoded, i = self._entity(i)
                self._emit(decoded)
            elif ch == "<":
                i = self._tag(i)
            elif ch == ">":
                raise self._fail('Unescaped ">" (must be written as "&gt;")', i)
            else:
                j = i + 1
                while j < len(src) and src[j] not in "&<>":
                    j += 1
                self._emit(src[i:j])
                i = j
        if self.stack:
            tag = self.stack[-1]
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{tag.name}" '
                f"at byte offset {tag.byte_pos}"
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.out), self.entities)

    def _entity(self, pos: int) -> tuple[str, int]:
        match = _ENTITY_RE.match(self.src, pos)
        if match is None:
            raise self._fail("Can't find end of the HTML entity starting", pos)
        dec, hexa, name = match.groups()
        if name is not None:
            if name not in _NAMED_ENTITIES:
                raise self._fail(f'Unsupported HTML entity "&{name};"', pos)
            return _NAMED_ENTITIES[name], match.end()
        code = int(dec, 10) if dec is not None else int(hexa, 16)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise self._fail("Invalid numeric HTML entity", pos)
        return chr(code), match.end()

    def _tag(self, begin: int) -> int:
        src, i = self.src, begin + 1
        if i < len(src) and src[i] == "/":
            return self._end_tag(begin)
        while i < len(src) and not _is_space(src[i]) and src[i] != ">":
            i += 1
        if i >= len(src):
            raise self._fail("Unclosed start tag", begin)
        name = src[begin + 1 : i].lower()
        if name not in SUPPORTED_TAGS:
            raise self._fail(f'Unsupported start tag "{name}"', begin)
        argument, has_href, i = self._attributes(name, begin, i)
        if name == "span" and argument != "spoiler":
            raise self._fail('Tag "span" must have class "tg-spoiler"', begin)
        if name == "a" and not has_href:
            raise self._fail('Tag "a" must have attribute "href"', begin)
        if name == "tg-emoji" and not re.fullmatch(r"-?[0-9]{1,19}", argument):
            raise self._fail("Invalid custom emoji identifier specified", begin)
        self.stack.append(_OpenTag(name, argument, self.utf16, self._offset(begin)))
        return i + 1

    def _attributes(self, tag: str, begin: int, i: int) -> tuple[str, bool, int]:
        """Parse attributes up to the closing '>'; returns (argument, has_href, index of '>')."""
        src, argument, has_href = self.src, "", False
        while True:
            while i < len(src) and _is_space(src[i]):
                i += 1
            if i >= len(src):
                raise self._fail(f'Unclosed start tag "{tag}"', begin)
            if src[i] == ">":
                return argument, has_href, i
            start = i
            while i < len(src) and not _is_space(src[i]) and src[i] not in "=>":
                i += 1
            attr = src[start:i].lower()
            if not attr:
                raise self._fail(f'Empty attribute name in the tag "{tag}"', begin)
            while i < len(src) and _is_space(src[i]):
                i += 1
            if tag == "blockquote" and attr == "expandable" and (i >= len(src) or src[i] != "="):
                argument = "expandable"
                continue
            if i >= len(src) or src[i] != "=":
                raise self._fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}"', begin
                )
            i += 1
            while i < len(src) and _is_space(src[i]):
                i += 1
            value, i = self._attribute_value(tag, begin, i)
            if tag == "a" and attr == "href":
                argument, has_href = value, True
            elif tag == "code" and attr == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif tag == "span" and attr == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif tag == "tg-emoji" and attr == "emoji-id":
                argument = value
            elif tag == "blockquote" and attr == "expandable":
                argument = "expandable"

    def _attribute_value(self, tag: str, begin: int, i: int) -> tuple[str, int]:
        src = self.src
        if i >= len(src):
            raise self._fail(f'Unclosed start tag "{tag}"', begin)
        if src[i] not in "'\"":
            start = i
            while i < len(src) and ((src[i].isascii() and src[i].isalnum()) or src[i] in ".-"):
                i += 1
            if i >= len(src) or not (_is_space(src[i]) or src[i] == ">"):
                raise self._fail("Unexpected end of name token", start)
            return src[start:i].lower(), i
        quote, i, parts = src[i], i + 1, []
        while i < len(src) and src[i] != quote:
            if src[i] == "&":
                decoded, i = self._entity(i)
                parts.append(decoded)
            else:
                parts.append(src[i])
                i += 1
        if i >= len(src):
            raise self._fail("Unclosed start tag", begin)
        return "".join(parts), i + 1

    def _end_tag(self, begin: int) -> int:
        src, i = self.src, begin + 2
        if not self.stack:
            raise self._fail("Unexpected end tag", begin)
        while i < len(src) and not _is_space(src[i]) and src[i] != ">":
            i += 1
        name = src[begin + 2 : i].lower()
        while i < len(src) and _is_space(src[i]):
            i += 1
        if i >= len(src) or src[i] != ">":
            raise self._fail("Unclosed end tag", begin)
        tag = self.stack.pop()
        if name and name != tag.name:
            raise HtmlParseError(
                f"Unmatched end tag at byte offset {self._offset(begin)}, "
                f'expected "</{tag.name}>", found "</{name}>"'
            )
        length = self.utf16 - tag.utf16_start
        if length > 0:
            self._close_entity(tag, length)
        return i + 1

    def _close_entity(self, tag: _OpenTag, length: int) -> None:
        entity: Entity = {"offset": tag.utf16_start, "length": length}
        if tag.name in _SIMPLE_TYPES:
            entity["type"] = _SIMPLE_TYPES[tag.name]
        elif tag.name == "a":
            if not self._link_entity(entity, tag.argument):
                return
        elif tag.name == "code":
            entity["type"] = "code"
            self.last_code_language = tag.argument
        elif tag.name == "pre":
            entity["type"] = "pre"
            last = self.entities[-1] if self.entities else None
            if (
                last
                and last["type"] == "code"
                and (last["offset"], last["length"])
                == (
                    tag.utf16_start,
                    length,
                )
            ):
                self.entities.pop()
                if self.last_code_language:
                    entity["language"] = self.last_code_language
        elif tag.name == "blockquote":
            entity["type"] = "expandable_blockquote" if tag.argument else "blockquote"
        else:  # tg-emoji
            entity["type"] = "custom_emoji"
            entity["custom_emoji_id"] = tag.argument
        self.entities.append(entity)

    def _link_entity(self, entity: Entity, href: str) -> bool:
        mention = _TG_USER_RE.match(href.strip())
        if mention:
            user_id = int(mention.group(1))
            name = self.user_names.get(user_id, "User")
            entity["type"] = "text_mention"
            entity["user"] = {"id": user_id, "is_bot": False, "first_name": name}
            return True
        url = _valid_link(href)
        if url is None:
            return False  # Telegram silently drops links with an invalid URL
        entity["type"] = "text_link"
        entity["url"] = url
        return True


def parse_html(source: str, user_names: dict[int, str] | None = None) -> FormattedText:
    """Parse Telegram HTML into plain text and entities; raises :class:`HtmlParseError`."""
    return _HtmlParser(source, user_names).parse()


def strip_formatted(formatted: FormattedText) -> FormattedText:
    """Trim surrounding whitespace as Telegram does, clipping entities to the remaining text."""
    text = formatted.text
    lead = len(text) - len(text.lstrip())
    stripped = text.strip()
    shift, total = utf16_len(text[:lead]), utf16_len(stripped)
    entities: list[Entity] = []
    for entity in formatted.entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)
