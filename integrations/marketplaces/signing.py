"""The request signature Taobao, JD and Pinduoduo share (pure, no I/O).

Sort every parameter but ``sign`` by name (ASCII), leave out empty values, join them as
``k1v1k2v2...`` (UTF-8), then UPPER(hex(MD5(secret + joined + secret))). Taobao also offers
HMAC-SHA256 of the joined string, keyed by the secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SIGN = "sign"  # the parameter the signature travels in


def joined(params: Mapping[str, str]) -> str:
    """The string that is signed: sorted ``key + value`` pairs, no ``sign``, no empty values."""
    return "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != SIGN and v != "")


def md5_wrapped(params: Mapping[str, str], secret: str) -> str:
    """UPPER(hex(MD5(secret + joined + secret)))."""
    text = f"{secret}{joined(params)}{secret}".encode()
    return hashlib.md5(text, usedforsecurity=False).hexdigest().upper()


def hmac_sha256(params: Mapping[str, str], secret: str) -> str:
    """UPPER(hex(HMAC-SHA256(key=secret, joined)))."""
    return hmac.new(secret.encode(), joined(params).encode(), hashlib.sha256).hexdigest().upper()
