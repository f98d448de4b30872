"""Sanity checks for the bundled query-expansion dictionary bot/search/terms.json."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

TERMS_PATH = Path(__file__).resolve().parents[2] / "bot" / "search" / "terms.json"

MIN_COUNTS = {"en": 400, "ru": 300, "es": 120, "pt": 120, "de": 120, "fr": 120, "ja": 300,
              "ko": 300, "vi": 300, "th": 300, "id": 300, "ms": 300, "ar": 300}  # fmt: skip

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Latin-only values are allowed only for brand/model tokens that sellers write as-is in titles.
ALLOWED_LATIN = {
    "iPhone",
    "iPhone13",
    "iPhone14",
    "iPhone15",
    "iPhone16",
    "iPad",
    "AirPods",
    "MacBook",
    "MagSafe",
    "USB",
    "Type-C",
    "LED",
    "HDMI",
    "DIY",
    "OPPO",
    "vivo",
    "PS5",
}


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    with TERMS_PATH.open(encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def languages(data: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    return data["languages"]


def test_version(data: dict[str, Any]) -> None:
    assert data["version"] == 1
    assert set(data) == {"version", "languages"}


def test_languages_present(languages: dict[str, dict[str, list[str]]]) -> None:
    assert set(languages) == set(MIN_COUNTS)


@pytest.mark.parametrize(("lang", "minimum"), sorted(MIN_COUNTS.items()))
def test_minimum_counts(
    languages: dict[str, dict[str, list[str]]], lang: str, minimum: int
) -> None:
    assert len(languages[lang]) >= minimum


def test_keys_are_normalised(languages: dict[str, dict[str, list[str]]]) -> None:
    bad = [
        (lang, key)
        for lang, terms in languages.items()
        for key in terms
        if not key or key != key.strip() or key != key.lower()
    ]
    assert not bad


def test_values_are_chinese_terms(languages: dict[str, dict[str, list[str]]]) -> None:
    problems = []
    for lang, terms in languages.items():
        for key, values in terms.items():
            if not isinstance(values, list) or not values:
                problems.append((lang, key, "empty or not a list"))
                continue
            if len(values) > 4 or len(set(values)) != len(values):
                problems.append((lang, key, "more than 4 values or duplicates"))
            if not any(isinstance(v, str) and CJK.search(v) for v in values):
                problems.append((lang, key, "no Chinese value"))
            for value in values:
                if not isinstance(value, str) or not value.strip() or value != value.strip():
                    problems.append((lang, key, repr(value)))
                elif not CJK.search(value) and value not in ALLOWED_LATIN:
                    problems.append((lang, key, value))
    assert not problems


def test_file_is_sorted_and_reasonably_small() -> None:
    text = TERMS_PATH.read_text(encoding="utf-8")
    assert TERMS_PATH.stat().st_size < 768 * 1024  # 13 languages, parsed once per process
    data = json.loads(text)
    expected = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2)
    assert text.rstrip("\n") == expected


@pytest.mark.parametrize(
    ("lang", "key", "any_of"),
    [
        ("en", "phone case", {"手机壳"}),
        ("en", "hoodie", {"卫衣"}),
        ("en", "power bank", {"充电宝"}),
        ("ru", "чехол", {"手机壳", "保护壳"}),
        ("ru", "кроссовки", {"运动鞋"}),
        ("ja", "スマホケース", {"手机壳"}),
        ("ko", "운동화", {"运动鞋"}),
        ("th", "เคสโทรศัพท์", {"手机壳"}),
        ("vi", "op dien thoai", {"手机壳"}),  # typed without diacritics, as on many phones
        ("id", "sepatu", {"鞋", "运动鞋", "鞋子"}),
        ("ms", "kasut sukan", {"运动鞋"}),
        ("ar", "حقيبة", {"包", "包包", "箱包"}),
        ("en", "navy blue", {"藏青色", "深蓝色"}),  # variant vocabulary
        ("de", "weinrot", {"酒红色"}),
        ("fr", "taille", {"尺码", "尺寸"}),
    ],
)
def test_spot_checks(
    languages: dict[str, dict[str, list[str]]], lang: str, key: str, any_of: set[str]
) -> None:
    assert any_of & set(languages[lang][key])
