"""JD error codes mapped onto the error tree, as data.

Two layers answer errors:

- The gateway refuses a call with ``{"error_response": {"code", "zh_desc", "en_desc"}}``
  (codes are strings). From JD's gateway error list: 2 App Call Limited, 8 Invalid Timestamp,
  11 Missing Signature, 12 Invalid Signature, 15 Invalid Method; 19 (invalid access_token) and
  21 (invalid app_key, "key=... 信息无效") as seen in public clients.
- jd.union.open.goods.query answers ``queryResult``, a JSON string with its own ``code``
  (200 = success) and ``message``. Only 200 and 411 (sceneId does not fit the request) are
  confirmed by public material; the others below follow their HTTP meaning and are a guess.
  An unknown SKU is answered with code 200 and no ``data`` (-> NotFound), as far as we know.
"""

from __future__ import annotations

from integrations.errors import (
    AuthFailed,
    BadRequest,
    ErrorTable,
    NotFound,
    NotSupported,
    RateLimited,
    ServerError,
)

PROVIDER = "jd"
OK = "200"

GATEWAY: ErrorTable = {
    "2": RateLimited,  # App Call Limited (限制时间内调用失败次数)
    "8": BadRequest,  # Invalid Timestamp (clock more than 6 min off)
    "11": BadRequest,  # Missing Signature
    "12": AuthFailed,  # Invalid Signature
    "15": NotSupported,  # Invalid Method
    "19": AuthFailed,  # Invalid access_token
    "21": AuthFailed,  # Invalid app_key
}

QUERY: ErrorTable = {
    "403": AuthFailed,  # guess: no permission for this API / scene
    "404": NotFound,  # guess
    "411": BadRequest,  # sceneId mismatch (seen in the wild)
    "429": RateLimited,  # guess
    "500": ServerError,  # guess: 服务端异常
}
