"""Catalogs that cannot drift: every shipped locale translates every msgid of the template, with
no fuzzy or empty entry, the same placeholders, tags and /commands as the msgid and CLDR's plural
forms; the template holds every msgid in the code (extracted here, as `make messages` does)."""

from __future__ import annotations

import re
import shlex
from functools import cache
from gettext import c2py
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot import i18n

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [loc for loc in i18n.available_locales() if loc != i18n.DEFAULT_LOCALE]
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")
MARKUP = re.compile(r"</?[a-z]+[^>]*>|(?<![\w/])/[a-z_]{2,32}\b")  # tags and /commands


@cache
def template() -> Catalog:
    with (i18n.LOCALES_DIR / "shopbot.pot").open("rb") as fh:
        return read_po(fh)


@cache
def catalog(locale: str) -> Catalog:
    with (i18n.LOCALES_DIR / locale / "LC_MESSAGES" / "shopbot.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def ids(cat: Catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in cat if m.id}


def forms(message: Message) -> list[str]:
    string = message.string
    return list(string) if isinstance(string, tuple | list) else [string or ""]


def sources(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def test_fifteen_languages_ship() -> None:
    assert len(i18n.available_locales()) == 15


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_has_every_msgid_and_nothing_else(locale: str) -> None:
    assert ids(catalog(locale)) == ids(template())


@pytest.mark.parametrize("locale", TRANSLATED)
def test_no_entry_is_empty_or_fuzzy(locale: str) -> None:
    cat = catalog(locale)
    assert not cat.fuzzy, f"{locale}: the header is marked fuzzy"
    bad = [m.id for m in cat if m.id and (m.fuzzy or not all(f.strip() for f in forms(m)))]
    assert bad == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_plural_forms_are_cldrs(locale: str) -> None:
    cat = catalog(locale)
    expected = get_plural(locale)
    assert cat.num_plurals == expected.num_plurals
    ours, cldr = c2py(cat.plural_expr), c2py(expected.plural_expr)
    counts = [*range(0, 1200), 1_000_000, 2_000_000, 1_000_001]
    assert [ours(n) for n in counts] == [cldr(n) for n in counts]  # the same form for each n
    for m in cat:
        if m.id and m.pluralizable:
            assert len(forms(m)) == expected.num_plurals, m.id


@pytest.mark.parametrize("locale", TRANSLATED)
def test_placeholders_tags_and_commands_are_the_msgids(locale: str) -> None:
    problems = []
    for m in catalog(locale):
        if not m.id:
            continue
        source = sources(m)[-1]  # the plural msgid names every placeholder
        want = sorted(PLACEHOLDER.findall(source))
        marks = sorted(MARKUP.findall(source))
        for text in forms(m):
            if sorted(PLACEHOLDER.findall(text)) != want:
                problems.append(f"placeholders of {m.id!r}: {text!r}")
            if sorted(MARKUP.findall(text)) != marks:
                problems.append(f"tags or commands of {m.id!r}: {text!r}")
    assert problems == []


def test_the_template_holds_every_msgid_in_the_code() -> None:
    """What `make messages` extracts (its keywords, read from the Makefile) is the template."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    words = shlex.split(re.search(r"^KEYWORDS := (.*)$", makefile, re.M).group(1))  # type: ignore[union-attr]
    keywords: dict[str, tuple[int, ...] | None] = {}
    for flag, spec in zip(words[::2], words[1::2], strict=True):
        assert flag == "-k"
        name, _, args = spec.partition(":")
        keywords[name] = tuple(int(a) for a in args.split(",")) if args else None
    found: set[str] = set()
    for package in ("bot", "handlers", "integrations"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, [("**.py", "python")], keywords=keywords
        ):
            found.add(message if isinstance(message, str) else message[0])
    assert found - ids(template()) == set(), "run `make messages`"
    assert ids(template()) - found == set(), "msgids no longer in the code: run `make messages`"
