"""1688 wholesale marketplace through the open platform gateway (open.1688.com).

Item detail uses ``com.alibaba.product:alibaba.cross.productInfo-1`` (跨境场景获取商品详情), the
detail API open to cross-border buyers: ``alibaba.product.get`` returns the same ProductInfo
shape but, per its docs, only for the app owner's own products. cross.productInfo needs an
access_token and a cross-border distribution relation with the item ("铺货关系"); without it
1688 answers "没有该商品的查询权限" (AuthFailed here).

Requests are form POSTs through the signed gateway (gateway.py) to
``<api_base>/param2/1/<namespace>/<api>/<appKey>``, signed as in sign.py. Errors: gateway
``error_code`` (in the body of a 4xx) and API ``success: false`` go through codes.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from integrations.base import Capability, Manifest
from integrations.errors import (
    HTTP_STATUS,
    AuthFailed,
    BadRequest,
    IntegrationError,
    ServerError,
    from_code,
)
from integrations.http import HttpClient, Response
from integrations.marketplaces.alibaba1688.codes import GATEWAY, for_message
from integrations.marketplaces.alibaba1688.parse import parse_product
from integrations.marketplaces.alibaba1688.sign import SIGNATURE_PARAM, signature, url_path
from integrations.marketplaces.gateway import SignedGateway
from integrations.types import Product

NAMESPACE = "com.alibaba.product"
DETAIL_API = "alibaba.cross.productInfo"
_ID = r"(?P<id>\d{1,20})"


class Alibaba1688(SignedGateway):
    check_status = False  # the gateway's error_code comes in the body of a 4xx

    manifest: ClassVar[Manifest] = Manifest(
        name="alibaba1688",
        title="1688",
        credentials=("ALIBABA1688_APP_KEY", "ALIBABA1688_APP_SECRET"),
        capabilities=frozenset({Capability.ITEM, Capability.URLS}),
        optional=("ALIBABA1688_ACCESS_TOKEN",),
        api_base="https://gw.open.1688.com/openapi",
    )
    # Anchored at the start, so a look-alike host (detail.1688.com.evil.example) or a 1688
    # link inside another site's query string does not match.
    url_patterns: ClassVar[tuple[re.Pattern[str], ...]] = (
        re.compile(rf"^(?:https?://)?detail\.1688\.com/offer/{_ID}\.html", re.I),
        re.compile(rf"^(?:https?://)?m\.1688\.com/offer/{_ID}\.html", re.I),
        re.compile(
            rf"^(?:https?://)?detail\.m\.1688\.com/page/index\.html\?(?:[^#\s]*&)?offerId={_ID}"
            r"(?![\w])",
            re.I,
        ),
    )

    def __init__(self, env: Mapping[str, str], http: HttpClient) -> None:
        super().__init__(env, http)
        self.app_key = env.get("ALIBABA1688_APP_KEY", "")
        self.app_secret = env.get("ALIBABA1688_APP_SECRET", "")
        self.access_token = env.get("ALIBABA1688_ACCESS_TOKEN", "")
        self.clock: Callable[[], float] = time.time  # for _aop_timestamp

    async def item(self, external_id: str) -> Product:
        product_id = external_id.strip()
        if not product_id.isdigit():
            raise BadRequest(f"not a 1688 offer id: {external_id!r}", provider=self.name)
        if not self.access_token:
            raise AuthFailed(
                f"{DETAIL_API} needs ALIBABA1688_ACCESS_TOKEN",
                provider=self.name,
                code="no_access_token",
            )
        payload = await self.call(DETAIL_API, {"productId": product_id})
        return parse_product(payload, product_id)

    @property
    def name(self) -> str:
        return self.manifest.name

    def system_params(self, method: str) -> dict[str, str]:
        return {
            "access_token": self.access_token,
            "_aop_timestamp": str(int(self.clock() * 1000)),
        }

    def endpoint(self, method: str) -> str:
        return f"{self.api_base}/{url_path(NAMESPACE, method, self.app_key)}"

    def sign(self, method: str, params: dict[str, str]) -> dict[str, str]:
        path = url_path(NAMESPACE, method, self.app_key)
        return params | {SIGNATURE_PARAM: signature(path, params, self.app_secret)}

    def unwrap(self, method: str, response: Response) -> dict[str, Any]:
        """The answer's JSON, or the error it carries (raised inside the retry loop)."""
        body = response.json(self.name)
        if not isinstance(body, dict):
            raise ServerError("answer is not a JSON object", provider=self.name, raw=body)
        if body.get("error_code") is not None:
            raise self._gateway_error(response.status, body)
        if response.status >= 400:
            cls = _status_class(response.status)
            raise cls(f"HTTP {response.status}", provider=self.name, code=str(response.status))
        if body.get("success") is False:
            message = str(body.get("message") or body.get("errorMessage") or "")
            raise for_message(message)(message or "request failed", provider=self.name, raw=body)
        return body

    def _gateway_error(self, status: int, body: dict[str, Any]) -> IntegrationError:
        message = str(body.get("error_message") or "gateway error")
        return from_code(
            GATEWAY,
            str(body["error_code"]),
            message,
            provider=self.name,
            raw=body,
            default=_status_class(status),
        )


def _status_class(status: int) -> type[IntegrationError]:
    return HTTP_STATUS.get(status) or (ServerError if status >= 500 else BadRequest)
