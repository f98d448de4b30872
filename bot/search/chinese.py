"""Simplified and Traditional Chinese (OpenCC): marketplace titles are Simplified.

A query typed in Traditional characters, or with Taiwan's words (滑鼠, 資料線), is searched in
mainland Simplified (`tw2sp`: 鼠标, 数据线); a title is shown to a Traditional reader character
by character (`s2t`), its words left as the seller wrote them.
"""

from __future__ import annotations

from functools import cache, lru_cache

import opencc


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


@lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    return str(_converter("tw2sp").convert(text))


@lru_cache(maxsize=16384)
def to_traditional(text: str) -> str:
    return str(_converter("s2t").convert(text))
