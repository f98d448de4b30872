"""Search tokens shared by the index and the query, identical on SQLite and PostgreSQL.

Chinese has no spaces and trigram indexes need three characters, so CJK text is indexed as its
single characters and overlapping pairs (手机壳 -> 手 机 壳 手机 机壳): a query of any length
becomes an AND of pairs (or one character). Latin, Cyrillic and digits are indexed as lowercase
words, matched by prefix from three characters on. Queries are built from these tokens only, so
user text never reaches FTS5 syntax or PostgreSQL's SQL.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


def _marks() -> str:
    """Combining marks (Unicode category M*) as a character class body: Thai vowels and tone
    marks, Arabic harakat, Devanagari signs. They belong to the word they sit on, but `\\w`
    does not match them, which would cut "โทรศัพท์" in three."""
    out, start, prev = [], None, None
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code)).startswith("M"):
            if start is None:
                start = code
            prev = code
        elif start is not None:
            out.append(f"\\u{start:04x}-\\u{prev:04x}")
            start = None
    return "".join(out)


_RUN = re.compile(rf"[{_CJK}]+|(?:[^\W_{_CJK}]|[{_marks()}])+")
_IS_CJK = re.compile(rf"[{_CJK}]")
MAX_QUERY_UNITS = 12


MIN_PREFIX = 3  # shorter words typed ("c", "a5", "pd") match whole words only


def prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds of the strings that begin with `prefix`, low inclusive, high exclusive, in code
    point order ("C" collation, SQLite's BINARY): an index range rather than a LIKE."""
    return prefix, prefix + "\U0010ffff"


@dataclass(frozen=True, slots=True)
class Token:
    """A token a product must hold: exactly, or (prefix) as the start of one of its words."""

    text: str
    prefix: bool = False


def word(run: str) -> Token:
    """A Latin, Cyrillic or digit word typed: it also finds the words it begins ("iphone" finds
    "iphone15"), from MIN_PREFIX characters on; a shorter one would begin far too many."""
    return Token(run, prefix=len(run) >= MIN_PREFIX)


# A query: units joined by AND; a unit: alternatives joined by OR; an alternative: tokens (AND).
Query = list[list[list[Token]]]


def flat(query: Query) -> list[Token]:
    """Every token `query` names, alternative by alternative (repeats kept)."""
    return [t for unit in query for alt in unit for t in alt]


_ARABIC_OPTIONAL = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat and tatweel
# Arabic letters typed either way: hamza-carrying alefs, ta marbuta, alef maqsura.
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي"})


def normalize(text: str) -> str:
    """NFKC, lowercase; Arabic without its optional vowel signs and with the letters people type
    either way folded (حافظةٌ, حافظه -> حافظه; أحمر -> احمر)."""
    folded = unicodedata.normalize("NFKC", text).lower().translate(_ARABIC_FOLD)
    return _ARABIC_OPTIONAL.sub("", folded)


def runs(text: str) -> list[str]:
    """Maximal runs of CJK characters or of letters/digits, normalized."""
    return _RUN.findall(normalize(text))


def is_cjk(run: str) -> bool:
    return bool(_IS_CJK.match(run))


def cjk_tokens(run: str) -> list[str]:
    """What one CJK run must match: its pairs, or the character itself when alone."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_terms(*texts: str) -> str:
    """The space-separated tokens stored for a product (FTS5 unicode61 / tsvector 'simple')."""
    seen: dict[str, None] = {}
    for text in texts:
        for run in runs(text):
            if is_cjk(run):
                seen.update(dict.fromkeys(run))
                seen.update(dict.fromkeys(cjk_tokens(run)))
            else:
                seen[run] = None
    return " ".join(seen)


# Price bands a product is indexed under, one token each, by its price_minor (the catalog's
# currency's minor units): the bounds of the price ranges the results' filter offers
# (handlers/search_view.PRICES), so each of those ranges is one band. A search in a range that
# lies in one band intersects its words with the band in the index instead of checking the
# price of every match it walks. The token starts with a private-use character, which no query
# can hold (runs() keeps letters, digits and CJK only).
PRICE_BANDS = (5_000, 20_000, 100_000)
_PRICED = "\ue000"


def price_token(price_minor: int) -> str:
    return f"{_PRICED}{bisect_right(PRICE_BANDS, price_minor)}"


def with_price(terms: str, price_minor: int | None) -> str:
    """A product's index terms with its price band's token (none without a price)."""
    if price_minor is None:
        return terms
    return f"{terms} {price_token(price_minor)}" if terms else price_token(price_minor)


def band_of(low: int | None, high: int | None) -> str | None:
    """The band token of every price from `low` to `high` (inclusive; None: open), or None
    when the range reaches into more than one band."""
    first = bisect_right(PRICE_BANDS, low or 0)
    last = len(PRICE_BANDS) if high is None else bisect_right(PRICE_BANDS, high)
    return f"{_PRICED}{first}" if first == last else None
