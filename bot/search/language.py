"""The language a query is written in, read from the query itself, not from the interface.

An English-interface shopper typing "чехол" or "zapatillas" means a phone case and sneakers. The
script decides first: kana is Japanese (even beside kanji), Hangul Korean, Thai Thai, Arabic
Arabic, Cyrillic Russian, Han alone Chinese. Latin script is shared by eight languages of the
dictionary, so there the dictionary decides: the language whose words cover most of the query,
a letter only one of them uses (ñ, ß, ơ) counting as well; a tie goes to the shopper's interface
language, then to English, the language product words are most often typed in anyway.
"""

from __future__ import annotations

import re
from typing import Final

from bot.search.expand import dictionary
from bot.search.tokens import runs

_SCRIPTS: Final = (  # checked in this order: the first script present decides
    ("ja", re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")),
    ("ko", re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")),
    ("th", re.compile("[\u0e00-\u0e7f]")),
    ("ar", re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")),
    ("ru", re.compile("[\u0400-\u04ff]")),
    ("zh", re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")),
)
LATIN: Final = ("en", "es", "pt", "fr", "de", "vi", "id", "ms")
# Letters that, in a query, point at one Latin-script language of the dictionary.
_OWN_LETTERS: Final = {
    "es": "ñ¿¡",
    "pt": "ãõ",
    "fr": "œëîûùèæ",
    "de": "äöüß",
    "vi": "ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ",
}
MAX_PHRASE: Final = 4


def query_language(text: str, interface: str = "en") -> str:
    """The dictionary language `text` is written in (`interface`: the shopper's locale, which
    breaks ties between Latin-script languages)."""
    for language, script in _SCRIPTS:
        if script.search(text):
            return language
    words = runs(text)
    base = interface.split("_")[0]
    if not words:
        return base if base in LATIN else "en"
    scores = {lang: _covered(words, lang) for lang in LATIN}
    lowered = text.lower()
    for lang, letters in _OWN_LETTERS.items():
        scores[lang] += sum(2 for ch in lowered if ch in letters)
    best = max(scores.values())
    if best == 0:
        return base if base in LATIN else "en"
    for preferred in (base, "en"):
        if scores.get(preferred) == best:
            return preferred
    return next(lang for lang in LATIN if scores[lang] == best)


def _covered(words: list[str], language: str) -> int:
    """How many of `words` the language's dictionary knows (phrases count each word)."""
    table = dictionary().get(language, {})
    known = 0
    i = 0
    while i < len(words):
        for size in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            if " ".join(words[i : i + size]) in table:
                known += size
                i += size
                break
        else:
            i += 1
    return known
