"""Weidian (vdian) status codes mapped onto the error tree, as data.

Every answer carries ``{"status": {"status_code": <int>, "status_reason": "..."}}``; 0 is
success. Weidian's public wiki (wiki.open.weidian.com) is gone, so the codes below are the ones
seen in public clients, and the rest is unverified:

- 10013 "access_token无效" / "access_token过期": seen; the adapter refreshes the token once.
- 10008 "非法请求(<detail>)": seen, with the real cause in parentheses.
- Unknown item: no documented code. The reason text is matched first ("不存在" -> NotFound),
  so "非法请求(商品不存在)" or any other code with that text maps to NotFound.
"""

from __future__ import annotations

from integrations.errors import (
    AuthFailed,
    BadRequest,
    ErrorTable,
    IntegrationError,
    NotFound,
    RateLimited,
)

TOKEN_EXPIRED = frozenset({"10013"})

CODES: ErrorTable = {
    "10013": AuthFailed,  # access_token invalid or expired
    "10008": BadRequest,  # 非法请求
}

# Substrings of status_reason, checked before the code (first match wins).
REASONS: tuple[tuple[str, type[IntegrationError]], ...] = (
    ("不存在", NotFound),
    ("频繁", RateLimited),  # "调用过于频繁" (wording unverified)
)


def error_class(code: str, reason: str) -> type[IntegrationError]:
    """The error class of one non-zero status; BadRequest when nothing says otherwise."""
    by_reason = next((cls for text, cls in REASONS if text in reason), None)
    return by_reason or CODES.get(code, BadRequest)
