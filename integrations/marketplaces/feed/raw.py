"""Cut an XML feed into its items without parsing them, and fingerprint each product.

A re-sync of a big feed where most products did not change can then skip parsing them: only
the groups whose raw bytes differ from last time are parsed (`document` rebuilds a small feed of
just those). Any feed this cannot cut with certainty returns None and is parsed whole.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from integrations.marketplaces.feed.parse import clean_text

_TAG_END = frozenset(">/ \t\r\n")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_RISKY = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)|<!\[CDATA\[", re.IGNORECASE)


@dataclass
class RawGroup:
    spans: list[str] = field(default_factory=list)
    item_ids: list[str] = field(default_factory=list)

    def digest(self) -> str:
        return hashlib.blake2b("\x00".join(self.spans).encode(), digest_size=16).hexdigest()


@dataclass
class RawFeed:
    head: str
    tail: str
    groups: dict[str, RawGroup]  # external id (prefixed) -> its items, in feed order

    def document(self, keys: list[str]) -> bytes:
        """A feed of just the products `keys`, for parse_feed."""
        body = "".join(span for key in keys for span in self.groups[key].spans)
        return (self.head + body + self.tail).encode()


def split(text: str, id_prefix: str = "") -> RawFeed | None:
    """The feed's products as raw item groups, or None when only a full parse is safe."""
    if not text.lstrip().startswith("<") or _risky(text):
        return None
    tag = "item" if "<item" in text else "entry"
    opening, closing = f"<{tag}", f"</{tag}>"
    parts = _split(text, opening)
    groups: dict[str, RawGroup] = {}
    for part in parts[1:]:
        end = part.find(closing)
        if not part or part[0] not in _TAG_END or end < 0:
            return None  # <itemList>, an unclosed item ...: let the parser decide
        span = opening + part[: end + len(closing)]
        item_id = _field(span, "<g:id>", "</g:id>")
        if not item_id:
            return None  # the parser reports it; let it
        group_id = _field(span, "<g:item_group_id>", "</g:item_group_id>")
        key = (id_prefix + (group_id or item_id))[:128]
        group = groups.setdefault(key, RawGroup())
        group.spans.append(span)
        group.item_ids.append(item_id)
    if not groups:
        return None
    last = parts[-1]
    tail = last[last.find(closing) + len(closing) :]
    head = _DECLARATION.sub("", parts[0], count=1)  # the rebuilt feed is UTF-8
    return RawFeed(head, tail, groups)


# Work on a big feed goes in pieces of this many characters, so that no single C call (which
# holds the GIL, and with it the bot's event loop) runs long.
WINDOW = 1 << 20


def _risky(text: str) -> bool:
    overlap = 16  # longer than any match's start ("<!DOCTYPE", "<![CDATA[")
    for start in range(0, len(text), WINDOW):
        if _RISKY.search(text, start, start + WINDOW + overlap):
            return True
    return False


def _split(text: str, opening: str) -> list[str]:
    """`text.split(opening)`, searched a window at a time instead of in one call."""
    parts: list[str] = []
    start = look = 0  # where the current part begins; where to search from
    while True:
        found = text.find(opening, look, look + WINDOW)
        if found >= 0:
            parts.append(text[start:found])
            start = look = found + len(opening)
        elif look + WINDOW >= len(text):
            parts.append(text[start:])
            return parts
        else:  # overlapping, so an opening across the window's end is found next time
            look += WINDOW - len(opening) + 1


def _field(span: str, opening: str, closing: str) -> str:
    start = span.find(opening)
    if start < 0:
        return ""
    start += len(opening)
    end = span.find(closing, start)
    value = span[start:end] if end >= 0 else ""
    if value.isprintable() and "&" not in value and "<" not in value and value.strip() == value:
        return value[:200].rstrip()
    return clean_text(value, 200)
