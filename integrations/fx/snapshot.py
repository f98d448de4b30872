"""The bundled, dated rates snapshot (snapshot.json): the offline default.

A fresh install, the playground and a deployment whose providers are all down still show
shoppers their own currency: with these rates and their date, never silently in CNY. It is a
provider like the others (source "snapshot"), always last: any fetched rate wins over it. The
file names where its values come from and the day they are of; it is read once per process.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from integrations.fx import Rates, decimal, is_code

NAME = "snapshot"
PATH = Path(__file__).with_name("snapshot.json")


class SnapshotRates:
    async def latest(self) -> Rates:
        return load()


@lru_cache(maxsize=1)
def load() -> Rates:
    """The snapshot; ValueError naming the file and the fault when it is broken (a packaging
    bug, not a provider failure: nothing to retry)."""
    try:
        return parse(json.loads(PATH.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{PATH}: {exc}") from None


def parse(document: Any) -> Rates:
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    try:
        day = date.fromisoformat(str(document.get("day")))
    except ValueError:
        raise ValueError(f"bad day {document.get('day')!r}") from None
    if not str(document.get("source") or "").strip():
        raise ValueError("no source: say where the values come from")
    values = document.get("per_euro")
    if not isinstance(values, dict) or not values:
        raise ValueError("no per_euro rates")
    per_euro: dict[str, Decimal] = {}
    for code, text in values.items():
        value = decimal(text) if isinstance(text, str) else None
        if not is_code(code) or value is None:
            raise ValueError(f"bad rate {code!r}: {text!r}")
        per_euro[code] = value
    if per_euro.get("EUR") != 1:
        raise ValueError("EUR must be 1")
    return Rates(day, per_euro, NAME)
