"""Pinduoduo open platform request signing (pure, no I/O).

sign = UPPER(hex(MD5(client_secret + k1v1k2v2... + client_secret))) over every parameter but
``sign``, sorted by name (ASCII), values as sent (lists as their JSON text), UTF-8. Empty values
are left out (the adapter never sends any).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping


def sign(params: Mapping[str, str], secret: str) -> str:
    """The ``sign`` parameter for `params`, as upper-case hex."""
    joined = "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != "sign" and v != "")
    text = f"{secret}{joined}{secret}".encode()
    return hashlib.md5(text, usedforsecurity=False).hexdigest().upper()
