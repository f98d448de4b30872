"""A rough rendering of a Chinese title in the shopper's language, from the term dictionary.

Offline and instant: the longest dictionary term at each position becomes the shopper's word,
Latin words and numbers pass through, unknown Chinese is left out. It lets a shopper scan a list
of results; the card still shows the original title.
"""

from __future__ import annotations

import re
from functools import cache
from string import ascii_letters

from bot.search.chinese import to_traditional
from bot.search.expand import dictionary

MAX_TERM = 6
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A Chinese run, with the Latin letters glued to its front (T恤, A字裙, POLO衫); or a Latin word.
_PIECES = re.compile(rf"[A-Za-z]{{0,4}}[{_HAN}]+|[A-Za-z0-9][A-Za-z0-9.+-]*")
_HAS_HAN = re.compile(rf"[{_HAN}]")


@cache
def _reverse(language: str) -> dict[str, str]:
    """Chinese term -> the word of `language` (then English) it is the first choice for, the
    shortest such word winning ("不锈钢" -> "stainless steel", not "steel")."""
    best: dict[str, tuple[int, int, int, bool, str]] = {}
    for rank, lang in enumerate(dict.fromkeys((language, "en"))):
        for term, chinese in dictionary().get(lang, {}).items():
            for position, zh in enumerate(chinese):
                # of two as short, the accented spelling (pantalón, not pantalon)
                if _HAS_HAN.search(zh):
                    key = (rank, position, len(term), term.isascii(), term)
                    best[zh] = min(best.get(zh, key), key)
    return {zh: key[4] for zh, key in best.items()}


def readable(title: str, locale: str) -> str | None:
    """`title` for a reader of `locale`: in Traditional characters for zh_Hant, the dictionary's
    gloss in other languages; None when the original is as good (Simplified, or nothing known)."""
    if locale.startswith("zh_Hant"):
        converted = to_traditional(title)
        return converted if converted != title else None
    return gloss(title, locale.split("_")[0])


def gloss(title: str, language: str) -> str | None:
    """`title` in words of `language`, or None when it says nothing useful (or is Chinese)."""
    if language.startswith("zh"):
        return None
    table = _reverse(language)
    words: list[str] = []
    known = 0
    for piece in _PIECES.findall(title):
        if not _HAS_HAN.search(piece):
            words.append(piece)
            continue
        # One character alone is too ambiguous inside a longer run (全包 is not a bag).
        shortest = 1 if len(piece) == 1 else 2
        latin = len(piece) - len(piece.lstrip(ascii_letters))
        if latin and not any(piece[:size] in table for size in range(latin + 1, len(piece) + 1)):
            words.append(piece[:latin])  # no term starts with them: a word of their own
        else:
            latin = 0
        i = latin
        while i < len(piece):
            for size in range(min(MAX_TERM, len(piece) - i), shortest - 1, -1):
                word = table.get(piece[i : i + size])
                if word is not None:
                    if word not in words:
                        words.append(word)
                    known += size
                    i += size
                    break
            else:
                i += 1
    if known == 0:
        return None
    text = " ".join(words)
    return text[:1].upper() + text[1:]
