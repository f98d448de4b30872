"""Cross-language matching: shoppers' words -> the Chinese terms marketplace titles use.

The offline default is a bundled dictionary of shopping terms (bot/search/terms.json, fifteen
interface languages' words -> Simplified Chinese), matched greedily on the longest phrase; a run
typed without spaces is first cut into the dictionary's words. It needs no network and no keys.
Which language a query is in comes from the query (bot/search/language.py).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from bot.search.tokens import runs

TERMS = Path(__file__).with_name("terms.json")
MAX_PHRASE = 4


@cache
def dictionary() -> dict[str, dict[str, tuple[str, ...]]]:
    """language -> term -> Chinese terms (empty when the file is missing)."""
    try:
        data = json.loads(TERMS.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    # Keys are cut into words the way queries are ("women's" -> "women s"), so they meet.
    return {
        lang: {" ".join(runs(term)): tuple(zh) for term, zh in entries.items()}
        for lang, entries in data.get("languages", {}).items()
    }


SPACELESS = frozenset({"ja", "th", "ko"})  # written (or often typed) without spaces


def expand(
    words: list[str], language: str, *others: str
) -> list[tuple[list[str], tuple[str, ...]]]:
    """Split `words` into units, each with the Chinese terms it may mean (possibly none).

    Phrases win over single words ("phone case" before "phone"). The query's own language is
    tried first, then `others` (the shopper's interface language), then English, since
    product words are often typed in English anyway.
    """
    order = dict.fromkeys((language, *others, "en"))
    tables = [t for t in (dictionary().get(lang) for lang in order) if t]
    units: list[tuple[list[str], tuple[str, ...]]] = []
    i = 0
    while i < len(words):
        for size in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + size])
            found = next((t[phrase] for t in tables if phrase in t), None)
            if found is not None or size == 1:
                units.append((words[i : i + size], found or ()))
                i += size
                break
    return units


def segment(run: str, language: str) -> list[str]:
    """A run typed without spaces ("スマホケース", "เคสโทรศัพท์", "폰케이스") cut into the
    dictionary's words, longest first; what lies between them is kept when it is at least two
    characters (a particle such as の goes)."""
    keys, longest = _compact(language)
    if not keys or run in keys:
        return [keys.get(run, run)]
    pieces: list[str] = []
    rest = ""
    i = 0
    while i < len(run):
        for size in range(min(longest, len(run) - i), 0, -1):
            key = keys.get(run[i : i + size])
            if key is not None:
                if len(rest) >= 2:
                    pieces.append(rest)
                rest = ""
                pieces.append(key)
                i += size
                break
        else:
            rest += run[i]
            i += 1
    if len(rest) >= 2 or not pieces:
        pieces.append(rest)
    return pieces


@cache
def _compact(language: str) -> tuple[dict[str, str], int]:
    """The language's terms without their spaces -> the term, and the longest one's length."""
    keys = {term.replace(" ", ""): term for term in dictionary().get(language, {})}
    return keys, max(map(len, keys), default=0)
