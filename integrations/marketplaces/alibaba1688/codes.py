"""1688 error codes mapped onto the error tree, as data.

Two layers answer errors:

- The gateway (gw.open.1688.com) refuses a call before the API runs, with
  ``{"error_code": "...", "error_message": "..."}`` and usually a 4xx status. The codes below
  are the ones seen in public clients and docs; anything else falls back to the HTTP status.
- The API itself answers ``{"success": false, "message": "..."}``. alibaba.cross.productInfo
  documents its errors only as message texts ("商品[<id>]不存在", "没有该商品的查询权限"),
  so those are matched by substring. Not documented: whether a numeric business code exists.
"""

from __future__ import annotations

from integrations.errors import (
    AuthFailed,
    BadRequest,
    ErrorTable,
    IntegrationError,
    NotFound,
    NotSupported,
    RateLimited,
)

GATEWAY: ErrorTable = {
    "gw.SignatureInvalid": AuthFailed,  # wrong secret or signing string
    "gw.APIACLDecline": AuthFailed,  # the app has no permission for this API
    "gw.APIUnsupported": NotSupported,  # no such namespace/API pair
    "gw.ParamMissing": BadRequest,
    "gw.QosAppFrequencyLimit": RateLimited,  # app-level rate limit, in the body of a 4xx
    "401": AuthFailed,  # "Request need user authorized": access_token missing or expired
}

# Substrings of the API's own ``message`` (first match wins).
MESSAGES: tuple[tuple[str, type[IntegrationError]], ...] = (
    ("不存在", NotFound),  # 商品[<id>]不存在
    ("没有该商品的查询权限", AuthFailed),  # no cross-border distribution relation with the item
    ("not exist", NotFound),
)


def for_message(message: str) -> type[IntegrationError]:
    """The error class an API ``message`` means; BadRequest when nothing matches."""
    return next((cls for text, cls in MESSAGES if text in message), BadRequest)
