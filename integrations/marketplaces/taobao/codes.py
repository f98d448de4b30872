"""Taobao Open Platform error codes mapped onto the error tree, as data.

An error answer is ``{"error_response": {"code", "msg", "sub_code", "sub_msg"}}``. The most
specific entry wins: the exact ``sub_code``, then its family (TOP's convention: ``isp.*`` is
the platform failing, retry later; ``isv.*`` is the caller's fault; ``accesscontrol.*`` is flow
control), then the numeric ``code`` (the TOP platform list: 7 App Call Limited, 25 Invalid
Signature, 29 Invalid App Key ...). Anything else is BadRequest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from integrations.errors import (
    AuthFailed,
    BadRequest,
    ErrorTable,
    IntegrationError,
    NotFound,
    NotSupported,
    RateLimited,
    ServerError,
    Timeout,
    Unavailable,
)

PROVIDER = "taobao"

SUB_CODES: ErrorTable = {
    "isv.appkey-not-exists": AuthFailed,
    "isv.invalid-signature": AuthFailed,
    "isv.permission-api-package-empty": AuthFailed,
    "isv.permission-api-package-not-allowed": AuthFailed,
    "isv.permission-api-package-limit": AuthFailed,
    "isv.permission-ip-whitelist-limit": AuthFailed,
    "isp.get-app-error": AuthFailed,  # seen for an unknown/empty AppKey ("获取第三方APP信息失败")
    # Item not found. Documented for taobao.item(.seller).get; whether the tbk.* methods use
    # them or just answer no results is not documented (we treat no results as NotFound too).
    "isv.item-not-exist": NotFound,
    "isv.item-get-service-error:ITEM_NOT_FOUND": NotFound,
    "isp.call-limited": RateLimited,
    "accesscontrol.limited-by-app-access-count": RateLimited,
    "accesscontrol.limited-by-api-access-count": RateLimited,
    "accesscontrol.limited-by-app-api-access-count": RateLimited,
    "isp.unknown-error": ServerError,
    "isp.top-remote-service-unavailable": ServerError,
    "isp.top-remote-connection-timeout": Timeout,
}

# Checked in order when the sub_code has no entry above ("isp.*-service-unavailable" included).
SUB_CODE_FAMILIES: tuple[tuple[str, type[IntegrationError]], ...] = (
    ("isp.", ServerError),
    ("accesscontrol.", RateLimited),
    ("isv.", BadRequest),
)

CODES: ErrorTable = {
    "7": RateLimited,  # App Call Limited
    "10": ServerError,  # Service Currently Unavailable
    "11": AuthFailed,  # Insufficient ISV Permissions
    "12": AuthFailed,  # Insufficient User Permissions
    "13": AuthFailed,  # Insufficient Partner Permissions
    "15": ServerError,  # Remote Service Error (without a sub_code saying more)
    "22": NotSupported,  # Invalid Method
    "25": AuthFailed,  # Invalid Signature
    "26": AuthFailed,  # Missing Session
    "27": AuthFailed,  # Invalid Session
    "28": AuthFailed,  # Missing App Key
    "29": AuthFailed,  # Invalid App Key
}

_BAN = re.compile(r"last for (\d+) more seconds")


def error_class(code: str, sub_code: str) -> type[IntegrationError]:
    """Most specific first: exact sub_code, sub_code family, main code, else BadRequest."""
    if sub_code in SUB_CODES:
        return SUB_CODES[sub_code]
    family = next((cls for prefix, cls in SUB_CODE_FAMILIES if sub_code.startswith(prefix)), None)
    return family or CODES.get(code, BadRequest)


def error_for(error: Any) -> IntegrationError:
    """The exception for the body of an ``error_response``."""
    if not isinstance(error, Mapping):
        return ServerError(f"unexpected answer: error_response {error!r:.80}", provider=PROVIDER)
    code, sub_code = str(error.get("code", "")), str(error.get("sub_code") or "")
    sub_msg = str(error.get("sub_msg") or "")
    message = " / ".join(text for text in (str(error.get("msg") or ""), sub_msg) if text)
    cls = error_class(code, sub_code)
    err = cls(message or "error", provider=PROVIDER, code=sub_code or code, raw=dict(error))
    ban = _BAN.search(sub_msg)  # "This ban will last for 1 more seconds"
    if isinstance(err, Unavailable) and ban:
        err.retry_after = float(ban.group(1))
    return err
