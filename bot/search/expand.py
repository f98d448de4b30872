"""Cross-language matching: shoppers' words -> the Chinese terms marketplace titles use.

The offline default is a bundled dictionary of shopping terms (bot/search/terms.json, several
languages -> Simplified Chinese), matched greedily on the longest phrase. It needs no network
and no keys; a translation provider can be added in front of it later.
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


def expand(words: list[str], language: str) -> list[tuple[list[str], tuple[str, ...]]]:
    """Split `words` into units, each with the Chinese terms it may mean (possibly none).

    Phrases win over single words ("phone case" before "phone"); English is tried after the
    shopper's own language, since product words are often typed in English anyway.
    """
    tables = [t for t in (dictionary().get(language), dictionary().get("en")) if t]
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
