"""The language of Stripe's payment page: our locale codes as Checkout's `locale` values.

Checkout takes a fixed list of IETF tags (stripe-python 16's SessionCreateParams.locale);
anything else is left out, so Stripe falls back to the browser's language ("auto").
"""

from __future__ import annotations

CHECKOUT_LOCALES = frozenset(
    """
    bg cs da de el en en-GB es es-419 et fi fil fr fr-CA hi-IN hr hu id it ja ko lt lv ms mt nb
    nl pl pt pt-BR ro ru sk sl sv th tr vi zh zh-HK zh-TW
    """.split()
)
# Our codes (babel style) whose Checkout tag is not just the code with a hyphen.
_ALIASES = {
    "zh-hans": "zh",
    "zh-cn": "zh",
    "zh-hant": "zh-TW",
    "zh-mo": "zh-HK",
    "no": "nb",
    "nn": "nb",
    "tl": "fil",
    "hi": "hi-IN",
}
_BY_LOWER = {tag.lower(): tag for tag in CHECKOUT_LOCALES}


def checkout_locale(locale: str | None) -> str | None:
    """`pt_BR` -> "pt-BR", `zh_Hans` -> "zh", `de_AT` -> "de", `xx` -> None (Stripe picks)."""
    if not locale:
        return None
    tag = locale.replace("_", "-").lower()
    while tag:
        found = _ALIASES.get(tag) or _BY_LOWER.get(tag)
        if found:
            return found
        tag = tag.rpartition("-")[0]
    return None
