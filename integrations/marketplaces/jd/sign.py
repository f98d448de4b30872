"""JD open platform (routerjson) request signing (pure, no I/O).

Same wrapping as Taobao's md5: sort every parameter but ``sign`` by name (ASCII; so
``360buy_param_json`` comes first), join as ``k1v1k2v2...`` (UTF-8), then
UPPER(hex(MD5(secret + joined + secret))). JD's docs and SDKs upper-case the hex digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping


def sign(params: Mapping[str, str], secret: str) -> str:
    """The ``sign`` parameter for `params`, as upper-case hex."""
    joined = "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != "sign" and v != "")
    text = f"{secret}{joined}{secret}".encode()
    return hashlib.md5(text, usedforsecurity=False).hexdigest().upper()
