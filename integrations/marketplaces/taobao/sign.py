"""Taobao Open Platform request signing (pure, no I/O).

Sort the parameters by name (ASCII), leave out ``sign`` and empty values, and join them as
``k1v1k2v2...`` (UTF-8). Then, by ``sign_method``:

- ``md5``: UPPER(hex(MD5(secret + joined + secret)))
- ``hmac-sha256``: UPPER(hex(HMAC-SHA256(key=secret, joined)))
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SIGN_METHODS = ("md5", "hmac-sha256")


def joined(params: Mapping[str, str]) -> str:
    """The string that is signed: sorted ``key + value`` pairs, no ``sign``, no empty values."""
    return "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != "sign" and v != "")


def sign(params: Mapping[str, str], secret: str, method: str = "md5") -> str:
    """The ``sign`` parameter for `params`, as upper-case hex."""
    text = joined(params).encode("utf-8")
    key = secret.encode("utf-8")
    if method == "md5":
        return hashlib.md5(key + text + key, usedforsecurity=False).hexdigest().upper()
    if method == "hmac-sha256":
        return hmac.new(key, text, hashlib.sha256).hexdigest().upper()
    raise ValueError(f"unknown sign_method {method!r}; expected one of {SIGN_METHODS}")
