"""Tracking number normalization and carrier detection (couriers/detect.py)."""

from __future__ import annotations

import pytest

from integrations.couriers.detect import (
    CARRIERS,
    MAX_INPUT,
    BadNumber,
    carrier,
    detect,
    normalize,
    parse,
    s10_check_digit,
    usps_check_digit,
)


def s10(service: str, serial: str, country: str) -> str:
    """An S10 number with its check digit, computed here from the UPU rule itself."""
    weights = (8, 6, 4, 2, 3, 5, 9, 7)
    check = 11 - sum(int(d) * w for d, w in zip(serial, weights, strict=True)) % 11
    digit = {10: 0, 11: 5}.get(check, check)
    return f"{service}{serial}{digit}{country}"


@pytest.mark.parametrize(
    ("serial", "check"),
    [
        ("12345678", 5),  # 204 mod 11 = 6 -> 5
        ("47312482", 9),  # UPU S10's own example, AA473124829GB
        ("00000000", 5),  # sum 0: 11 - 0 = 11 -> 5
        ("00000001", 4),  # 7: 11 - 7 = 4
    ],
)
def test_s10_check_digit_known_answers(serial: str, check: int) -> None:
    assert s10_check_digit(serial) == check


def test_s10_check_digit_ten_becomes_zero() -> None:
    # 02000000: 2 x 6 = 12, 12 mod 11 = 1, 11 - 1 = 10 -> 0
    assert s10_check_digit("02000000") == 0
    assert s10("RR", "02000000", "CN") == "RR020000000CN"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("RR123456785CN", "china-post"),
        ("EE123456785CN", "china-ems"),  # service indicator E: EMS
        ("LX123456785CN", "china-post"),
        ("AA473124829GB", "royal-mail"),  # the UPU S10 standard's example
        ("EA123456785US", "usps"),
        ("RB123456785HK", "hong-kong-post"),
        ("RR123456785DE", "upu-de"),
        (s10("CP", "90012345", "CN"), "china-post"),
        (s10("UG", "12345678", "FR"), "upu-fr"),
        ("UG123456789YP", "yanwen"),
        ("SF1234567890123", "sf-express"),
        ("SF123456789012", "sf-express"),
        ("YT1802927571800445", "yunexpress"),  # YT + 16
        ("YT7101234567890", "yto"),  # YT + 13
        ("LP00123456789012", "cainiao"),
        ("4PX3001234567890CN", "4px"),
        ("JD0012345678901", "jd"),
        ("JDVA00123456789", "jd"),
        ("JDX000123456789", "jd"),
        ("731234567890", "zto"),
        ("78123456789012", "zto"),
        ("9405511202575421535949", "usps"),  # AfterShip's example USPS number
    ],
)
def test_detect(number: str, code: str) -> None:
    carrier = detect(number)
    assert carrier is not None and carrier.code == code


@pytest.mark.parametrize(
    "number",
    [
        "RR123456784CN",  # wrong check digit: no S10
        "RR123456786CN",
        "AA473124828GB",
        "9405511202575421535948",  # wrong USPS check digit
        "YT12345678901234",  # YT + 14: neither YTO nor YunExpress
        "SF12345678901234",  # SF + 14
        "12345",
        "ABCDEFGHIJ",
    ],
)
def test_detect_refuses(number: str) -> None:
    assert detect(number) is None


def test_wrong_check_digit_of_every_valid_s10_is_refused() -> None:
    number = s10("RR", "98765432", "CN")
    assert detect(number).code == "china-post"  # type: ignore[union-attr]
    for digit in "0123456789":
        if digit != number[10]:
            assert detect(number[:10] + digit + number[11:]) is None


def test_usps_check_digit() -> None:
    assert usps_check_digit("940551120257542153594") == 9


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("rr123456785cn", "RR123456785CN"),
        ("  RR 1234 5678 5 CN\n", "RR123456785CN"),
        ("RR-123-456-785-CN", "RR123456785CN"),
        ("ＲＲ１２３４５６７８５ＣＮ", "RR123456785CN"),  # full-width
        ("RR\u2013123456785\u00a0CN", "RR123456785CN"),  # en dash, no-break space
    ],
)
def test_normalize(text: str, number: str) -> None:
    assert normalize(text) == number


def test_parse_normalizes_and_detects() -> None:
    number, carrier = parse(" ee 123 456 785 cn ")
    assert number == "EE123456785CN"
    assert carrier is CARRIERS["china-ems"]
    assert parse("ZZ9999999999") == ("ZZ9999999999", None)  # unknown carrier is no error


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("  - \t", "empty"),
        ("R" * (MAX_INPUT + 1), "too_long"),
        ("1 " * 101, "too_long"),  # 202 characters of input, however short once normalized
        ("RR12", "unknown_format"),
        ("RR123456785CN!", "unknown_format"),
        ("трек123456", "unknown_format"),
        ("A" * 41, "unknown_format"),
    ],
)
def test_parse_refuses(text: str, reason: str) -> None:
    with pytest.raises(BadNumber) as caught:
        parse(text)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_max_input_is_accepted_up_to_the_limit() -> None:
    assert parse(" " * (MAX_INPUT - 13) + "RR123456785CN")[0] == "RR123456785CN"


def test_carrier_table_codes() -> None:
    assert CARRIERS["china-post"].seventeentrack_code == 3011
    assert CARRIERS["china-ems"].seventeentrack_code == 3013
    assert all(c.aftership_slug for c in CARRIERS.values())
    assert all(code == c.code for code, c in CARRIERS.items())


def test_carrier_by_code() -> None:
    assert carrier("china-post") is CARRIERS["china-post"]
    upu = carrier("upu-de")
    assert upu is not None and upu == detect("RR123456785DE")
    assert (upu.aftership_slug, upu.seventeentrack_code) == (None, None)
    assert carrier("upu-deu") is None
    assert carrier("ups") is None
