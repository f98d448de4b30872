"""Pinduoduo error codes mapped onto the error tree, as data.

An error answer is ``{"error_response": {"error_code", "error_msg", "sub_code", "sub_msg"}}``.
Codes from the open platform's common error table (返回错误码说明, shown on every API page).
50001 (业务服务错误) is generic: its sub_code decides (``isv.*-service-error:*`` -> retry,
``isv.invalid-parameter:*`` -> bad request). Not documented: a code for "goods not found";
pdd.ddk.goods.detail is taken to answer an empty ``goods_details`` list (-> NotFound).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integrations.errors import (
    AuthFailed,
    BadRequest,
    ErrorTable,
    IntegrationError,
    NotSupported,
    RateLimited,
    ServerError,
)

PROVIDER = "pinduoduo"

CODES: ErrorTable = {
    "10000": BadRequest,  # 参数错误
    "10001": BadRequest,  # 公共参数错误 (also a stale timestamp)
    "10002": BadRequest,  # 请求方法错误，仅支持POST
    "10010": AuthFailed,  # 应用不存在
    "10011": AuthFailed,  # 应用已被驳回
    "10014": AuthFailed,  # 授权已被取消
    "10016": AuthFailed,  # client下线或者clientId不正确
    "10017": NotSupported,  # type不正确
    "10019": AuthFailed,  # access_token已过期
    "10035": AuthFailed,  # access_token已过期
    "20004": AuthFailed,  # 签名sign校验失败
    "20005": AuthFailed,  # ip无权访问接口，请加入ip白名单
    "20007": BadRequest,  # 缺少必填请求参数
    "20031": AuthFailed,  # 用户没有授权访问此接口
    "20032": AuthFailed,  # access_token或client_id错误
    "20034": NotSupported,  # 接口处于下线状态
    "21001": BadRequest,  # 请求参数错误
    "21002": BadRequest,  # 请求参数不能为空
    "50000": ServerError,  # 系统内部错误
    "50002": ServerError,  # 业务系统内部异常
    "50012": NotSupported,  # 此API已下线
    "52001": ServerError,  # 网关业务服务错误
    "52002": ServerError,  # 网关系统内部异常
    "52101": RateLimited,  # 当前接口被限流，请稍后重试
    "52102": ServerError,  # 当前接口暂时不可用，请稍后重试
    "52103": ServerError,  # 服务暂时不可用，请稍后重试
    "70031": RateLimited,  # 调用过于频繁，请调整调用频率
    "70032": AuthFailed,  # 当前请求被禁止调用
    "70033": ServerError,  # 当前接口因系统维护，暂时下线，请稍后再试
    "70034": AuthFailed,  # 当前用户或应用存在风险，禁止调用
    "70035": AuthFailed,  # 同上，请联系 ddjb@pinduoduo.com
    "70036": RateLimited,  # 应用处于测试状态，调用次数被限制
}

# For the generic 50001 and friends: a fragment of the sub_code, checked in order.
SUB_CODE_FRAGMENTS: tuple[tuple[str, type[IntegrationError]], ...] = (
    ("isv.invalid-parameter", BadRequest),
    ("-service-error", ServerError),
)


def error_class(code: str, sub_code: str) -> type[IntegrationError]:
    """The main code when listed, else what the sub_code says, else BadRequest."""
    if code in CODES:
        return CODES[code]
    by_fragment = next((cls for part, cls in SUB_CODE_FRAGMENTS if part in sub_code), None)
    return by_fragment or CODES.get(sub_code, BadRequest)


def error_for(error: Any) -> IntegrationError:
    """The exception for the body of an ``error_response``."""
    if not isinstance(error, Mapping):
        return ServerError(f"unexpected answer: error_response {error!r:.80}", provider=PROVIDER)
    code, sub_code = str(error.get("error_code", "")), str(error.get("sub_code") or "")
    texts = (str(error.get("error_msg") or ""), str(error.get("sub_msg") or ""))
    message = " / ".join(dict.fromkeys(text for text in texts if text))
    cls = error_class(code, sub_code)
    return cls(message or "error", provider=PROVIDER, code=code or sub_code, raw=dict(error))
