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

_ITEM = re.compile(r"<(item|entry)\b[^>]*>.*?</\1\s*>", re.DOTALL)
_GROUP = re.compile(r"<g:item_group_id>([^<]*)</g:item_group_id>")
_ID = re.compile(r"<g:id>([^<]*)</g:id>")
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
    if not text.lstrip().startswith("<") or _RISKY.search(text):
        return None
    groups: dict[str, RawGroup] = {}
    first = last = None
    for match in _ITEM.finditer(text):
        first = first or match
        last = match
        span = match.group(0)
        item_id = _field(_ID, span)
        if not item_id:
            return None  # the parser reports it; let it
        key = (id_prefix + (_field(_GROUP, span) or item_id))[:128]
        group = groups.setdefault(key, RawGroup())
        group.spans.append(span)
        group.item_ids.append(item_id)
    if first is None or last is None:
        return None
    head = _DECLARATION.sub("", text[: first.start()], count=1)  # the rebuilt feed is UTF-8
    return RawFeed(head, text[last.end() :], groups)


def _field(pattern: re.Pattern[str], span: str) -> str:
    found = pattern.search(span)
    return clean_text(found.group(1), 200) if found else ""
