"""Tracking numbers: normalization and carrier detection, without any network call.

``normalize`` drops every space and dash (after NFKC, so full-width ＲＲ１２３ is RR123) and
upper-cases; ``parse`` also refuses what cannot be a tracking number (``BadNumber`` with a
reason: "empty", "too_long" over MAX_INPUT characters of input, "unknown_format" for characters
other than A-Z 0-9 or a length outside 5..40). ``detect`` names the carrier when one of the
patterns below matches, else None: the tracking provider then detects it itself.
``carrier(code)`` turns a code ``detect`` gave back into its Carrier (an operator of POSTS or
CARRIERS, or "upu-<cc>" with no provider codes), for the adapters to translate.

Patterns, checked in this order (conservative: a number matching none is not an error):

=============  ==========================================  ====================================
carrier        pattern                                     source
=============  ==========================================  ====================================
yanwen         2 letters + 9 digits + "YP"                 Yanwen's UPU-like numbers ("YP" is
                                                           no country; no check digit assumed)
UPU S10        2 letters + 8 digits + check digit +        UPU standard S10 (REFERENCE.md):
               2-letter country                            weights 8,6,4,2,3,5,9,7; check =
                                                           11 - sum mod 11, 10 -> 0, 11 -> 5.
                                                           A wrong check digit is no S10.
                                                           Country CN: E* (EMS service) ->
                                                           china-ems, else china-post; a few
                                                           other operators in POSTS; any other
                                                           country "upu-<cc>" (no codes)
sf-express     "SF" + 12-13 digits                         SF Express waybills
yunexpress     "YT" + 16 digits                            YunExpress (AfterShip's example
                                                           YT1802927571800445)
yto            "YT" + 13 digits                            YTO Express (YT + 16 is YunExpress)
cainiao        "LP" + 14-16 digits                         Cainiao / AliExpress logistics
4px            "4PX" + 10-16 digits + "CN"                 4PX Express
jd             "JD" + 13-15 digits, or "JDV"/"JDX"         JD Logistics waybills
               (+ 1 letter) + 10-13 digits
zto            12-14 digits starting 73, 75 or 78          ZTO Express waybills (12 digits,
                                                           14 in recent years)
usps           22 digits starting 91-95, mod-10 check      USPS IMpb (weights 3,1 from the
               digit                                       right; AfterShip's example
                                                           9405511202575421535949)
=============  ==========================================  ====================================

Provider codes in CARRIERS: AfterShip courier slugs, and 17TRACK's numeric carrier keys from its
published carrier list (apicarrier.all.json: China Post 3011, China EMS 3013, USPS 21051,
SF Express 100012, YunExpress 190008, Yanwen 190012, 4PX 190094, YTO 190157, Cainiao 190271,
ZTO 190455, JD Logistics 191121).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

MAX_INPUT = 200  # characters of input read at all
MIN_LENGTH, MAX_LENGTH = 5, 40  # a plausible tracking number, normalized
NUMBER_RE = re.compile(r"[A-Z0-9]+")


class BadNumber(ValueError):
    """Text that is not a tracking number; `reason` is "empty", "too_long" or
    "unknown_format", for the bot to answer in the user's language."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Carrier:
    code: str
    title: str
    aftership_slug: str | None = None
    seventeentrack_code: int | None = None  # None: 17TRACK detects the carrier itself


CARRIERS: dict[str, Carrier] = {
    c.code: c
    for c in (
        Carrier("china-post", "China Post", "china-post", 3011),
        Carrier("china-ems", "China EMS", "china-ems", 3013),
        Carrier("hong-kong-post", "Hongkong Post", "hong-kong-post", 8011),
        Carrier("singapore-post", "Singapore Post", "singapore-post", 19131),
        Carrier("japan-post", "Japan Post", "japan-post", 10021),
        Carrier("royal-mail", "Royal Mail", "royal-mail", 11031),
        Carrier("russian-post", "Russian Post", "russian-post", 18031),
        Carrier("usps", "USPS", "usps", 21051),
        Carrier("sf-express", "SF Express", "sf-express", 100012),
        Carrier("yunexpress", "YunExpress", "yunexpress", 190008),
        Carrier("yanwen", "Yanwen", "yanwen", 190012),
        Carrier("4px", "4PX", "4px", 190094),
        Carrier("yto", "YTO Express", "yto", 190157),
        Carrier("cainiao", "Cainiao", "cainiao", 190271),
        Carrier("zto", "ZTO Express", "zto", 190455),
        Carrier("jd", "JD Logistics", "jd", 191121),
    )
}

#: Postal operators of S10 numbers by country (service indicator "E" = EMS where it differs).
POSTS: dict[str, str] = {
    "CN": "china-post",
    "HK": "hong-kong-post",
    "SG": "singapore-post",
    "JP": "japan-post",
    "GB": "royal-mail",
    "RU": "russian-post",
    "US": "usps",
}
EMS: dict[str, str] = {"CN": "china-ems"}

S10_RE = re.compile(r"(?P<service>[A-Z]{2})(?P<serial>\d{8})(?P<check>\d)(?P<country>[A-Z]{2})")
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
UPU_CODE_RE = re.compile(r"upu-[a-z]{2}")


def normalize(text: str) -> str:
    """`text` without spaces or dashes, upper-cased (full-width forms folded first)."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if not c.isspace() and unicodedata.category(c) != "Pd").upper()


def parse(text: str) -> tuple[str, Carrier | None]:
    """The normalized number in `text` and its carrier if known; BadNumber if it is none."""
    if len(text) > MAX_INPUT:
        raise BadNumber("too_long")
    number = normalize(text)
    if not number:
        raise BadNumber("empty")
    if not (MIN_LENGTH <= len(number) <= MAX_LENGTH and NUMBER_RE.fullmatch(number)):
        raise BadNumber("unknown_format")
    return number, detect(number)


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit of an 8-digit serial number."""
    remainder = 11 - sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(remainder, remainder)


def usps_check_digit(body: str) -> int:
    """The mod-10 check digit of a USPS IMpb number without it (weights 3, 1 from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _s10(found: re.Match[str]) -> Carrier | None:
    if s10_check_digit(found["serial"]) != int(found["check"]):
        return None
    country = found["country"]
    code = (EMS.get(country) if found["service"].startswith("E") else None) or POSTS.get(country)
    if code is not None:
        return CARRIERS[code]
    return _upu(country)


def _upu(country: str) -> Carrier:
    """A postal operator this table does not know: the providers detect it themselves."""
    return Carrier(f"upu-{country.lower()}", f"Postal service ({country.upper()})")


def carrier(code: str) -> Carrier | None:
    """The Carrier of a code ``detect`` gives ("china-post", "upu-de"), None for another."""
    known = CARRIERS.get(code)
    if known is None and UPU_CODE_RE.fullmatch(code):
        return _upu(code[4:])
    return known


def _usps(found: re.Match[str]) -> Carrier | None:
    number = found.group(0)
    return CARRIERS["usps"] if usps_check_digit(number[:-1]) == int(number[-1]) else None


def _is(code: str) -> Callable[[re.Match[str]], Carrier | None]:
    return lambda _: CARRIERS[code]


#: (pattern, what a full match names), first match that names a carrier wins.
RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Carrier | None]], ...] = (
    (re.compile(r"[A-Z]{2}\d{9}YP"), _is("yanwen")),  # before S10: same shape, "YP" suffix
    (S10_RE, _s10),
    (re.compile(r"SF\d{12,13}"), _is("sf-express")),
    (re.compile(r"YT\d{16}"), _is("yunexpress")),
    (re.compile(r"YT\d{13}"), _is("yto")),
    (re.compile(r"LP\d{14,16}"), _is("cainiao")),
    (re.compile(r"4PX\d{10,16}CN"), _is("4px")),
    (re.compile(r"JD\d{13,15}|JD[VX][A-Z]?\d{10,13}"), _is("jd")),
    (re.compile(r"7[358]\d{10,12}"), _is("zto")),
    (re.compile(r"9[1-5]\d{20}"), _usps),
)


def detect(number: str) -> Carrier | None:
    """The carrier of a normalized tracking number, or None when no pattern is sure of it."""
    for pattern, name in RULES:
        found = pattern.fullmatch(number)
        carrier = name(found) if found else None
        if carrier is not None:
            return carrier
    return None
