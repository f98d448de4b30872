"""A variant in the shopper's words: its attributes' names from the catalogs, their values
(黑色, 0.5米) through the dictionary (bot/search/gloss.py), the seller's own words beside them
where they differ, so what the warehouse will buy is never hidden."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from bot.i18n import N_, Translator
from bot.search.gloss import readable

SKU_LABEL: Final = 28  # characters of a variant button
_COLOUR, _SIZE, _OPTION = N_("Colour"), N_("Size"), N_("Option")
NAMES: Final = {
    "color": _COLOUR, "colour": _COLOUR, "颜色": _COLOUR, "颜色分类": _COLOUR,
    "size": _SIZE, "尺码": _SIZE, "尺寸": _SIZE, "鞋码": _SIZE,
    "规格": _OPTION, "option": _OPTION, "套餐": N_("Bundle"), "套餐类型": N_("Bundle"),
    "款式": N_("Style"), "style": N_("Style"), "型号": N_("Model"), "model": N_("Model"),
    "适用型号": N_("Model"), "material": N_("Material"), "材质": N_("Material"),
    "pattern": N_("Pattern"), "图案": N_("Pattern"), "容量": N_("Capacity"),
    "capacity": N_("Capacity"), "长度": N_("Length"), "length": N_("Length"),
}  # fmt: skip
_ORDER: Final = (_COLOUR, _SIZE)


def ordered(attributes: Mapping[str, str]) -> list[tuple[str, str]]:
    """(name, value) pairs with a value, colour then size then the rest by name: a fixed order
    (PostgreSQL's JSONB does not keep the order attributes were written in)."""

    def rank(name: str) -> tuple[int, str]:
        known = NAMES.get(name.lower())
        return (_ORDER.index(known) if known in _ORDER else len(_ORDER), name)

    return [(n, attributes[n]) for n in sorted(attributes, key=rank) if attributes[n]]


def value(text: str, t: Translator, stored: Mapping[str, str] | None = None) -> str:
    """An attribute's value in the reader's words ("黑色" -> "Black"): its stored translation,
    else the dictionary's, else as written."""
    return (stored or {}).get(text) or readable(text, t.locale) or text


def name(key: str, t: Translator) -> str:
    known = NAMES.get(key.lower())
    return t.gettext(known) if known else (readable(key, t.locale) or key)


def label(
    attributes: Mapping[str, str], t: Translator, stored: Mapping[str, str] | None = None
) -> str:
    """A variant button's text: the values in the reader's words ("Black / 1 m")."""
    text = " / ".join(value(v, t, stored) for _, v in ordered(attributes))
    return text if len(text) <= SKU_LABEL else text[: SKU_LABEL - 1] + "…"


def details(
    attributes: Mapping[str, str], t: Translator, stored: Mapping[str, str] | None = None
) -> str:
    """Every attribute, named, with the seller's words where the reader's differ:
    "Colour: Black (黑色) · Size: 1 m (1米)"."""
    parts = []
    for key, raw in ordered(attributes):
        shown = value(raw, t, stored)
        own = f"{shown} ({raw})" if shown != raw else raw
        parts.append(t.format("{name}: {value}", name=name(key, t), value=own))
    return " · ".join(parts)
