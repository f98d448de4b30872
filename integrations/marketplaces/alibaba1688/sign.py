"""Request signing for the 1688 open platform gateway (pure functions, no I/O).

Documented at https://open.1688.com/api/sysSignature.htm ("API签名串组装规则"):

1. urlPath: the request path from the protocol on, without "?":
   ``param2/1/<namespace>/<api name>/<appKey>``.
2. Every request parameter (all but ``_aop_signature`` and file bytes) becomes ``key + value``;
   these strings are sorted ("按照首字母排序") and concatenated. The strings themselves are
   sorted, not the keys, as the official SDKs do (``Collections.sort`` on ``key + value``).
3. ``_aop_signature = UPPER(HEX(HMAC-SHA1(appSecret, urlPath + concatenated)))``.

The documentation's own example (appKey 1000000, secret ``test123``, params b=2&a=1) signs to
``33E54F4F7B989E3E0E912D3FBD2F1A03CA7CCE88``; the tests check it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SIGNATURE_PARAM = "_aop_signature"


def url_path(
    namespace: str, api: str, app_key: str, *, version: int = 1, protocol: str = "param2"
) -> str:
    """The urlPath of one API, e.g. ``param2/1/com.alibaba.product/alibaba.product.get/<key>``."""
    return f"{protocol}/{version}/{namespace}/{api}/{app_key}"


def signing_string(path: str, params: Mapping[str, str]) -> str:
    """urlPath followed by the sorted ``key + value`` strings of every parameter."""
    factors = sorted(f"{key}{value}" for key, value in params.items() if key != SIGNATURE_PARAM)
    return path + "".join(factors)


def signature(path: str, params: Mapping[str, str], secret: str) -> str:
    """The ``_aop_signature`` of a request to `path` carrying `params`."""
    message = signing_string(path, params).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha1).hexdigest().upper()
