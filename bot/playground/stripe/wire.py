"""Stripe's v1 wire format, as the SDK speaks it: nested form parameters in, JSON out.

Parameters arrive form-encoded with brackets for nesting and indexes for lists
(``line_items[0][price_data][currency]=usd``, ``expand[0]=payment_intent``); errors go out
in Stripe's envelope ``{"error": {"type", "message", "code"?, "param"?}}`` with the HTTP
status Stripe uses (400 bad parameters, 401 bad key, 404 unknown object, 429, 500).
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

JsonDict = dict[str, Any]
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


class StripeApiError(Exception):
    """A refusal in Stripe's shape; ``response()`` is what goes on the wire."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = (
            status,
            message,
            type,
            code,
            param,
        )

    def envelope(self) -> JsonDict:
        error: JsonDict = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return {"error": error}

    def response(self) -> web.Response:
        return web.json_response(self.envelope(), status=self.status, headers=_no_retry())


def bad(message: str, *, param: str | None = None, code: str | None = None) -> StripeApiError:
    return StripeApiError(400, message, param=param, code=code)


def missing(param: str) -> StripeApiError:
    return bad(f"Missing required param: {param}.", param=param, code="parameter_missing")


def _no_retry() -> dict[str, str]:
    return {"Stripe-Should-Retry": "false"}


def new_id(prefix: str) -> str:
    """A Stripe-looking id: ``cs_test_`` plus 24 random letters and digits."""
    return f"{prefix}_{secrets.token_hex(12)}"


def nest(pairs: list[tuple[str, str]]) -> JsonDict:
    """Stripe's bracketed form keys as nested dicts and lists (values stay strings)."""
    root: JsonDict = {}
    for key, value in pairs:
        found = _KEY.match(key)
        if not found:
            raise bad(f"Invalid parameter name: {key}")
        path = [found.group(1), *re.findall(r"\[([^\[\]]*)\]", found.group(2))]
        node = root
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise bad(f"Invalid parameter: {key} mixes a value and a hash", param=path[0])
            node = child
        node[path[-1]] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    items = {key: _listify(value) for key, value in node.items()}
    if items and all(key.isdigit() for key in items):
        indexes = sorted(items, key=int)
        if [int(index) for index in indexes] != list(range(len(indexes))):
            raise bad("Invalid array: indexes must count up from 0")
        return [items[index] for index in indexes]
    return items


async def read_params(request: web.Request) -> JsonDict:
    """The query string and, for POST, the form body, nested."""
    pairs = list(request.query.items())
    if request.method == "POST" and request.can_read_body:
        body = await request.text()
        pairs += parse_qsl(body, keep_blank_values=True)
    return nest(pairs)


def canonical(params: JsonDict) -> str:
    """One string per set of parameters, whatever their order (idempotency compares these)."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"))


# --- reading values the way Stripe does ------------------------------------------------------


def integer(value: Any, param: str) -> int:
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    raise bad(f"Invalid integer: {value}", param=param, code="parameter_invalid_integer")


def boolean(value: Any, param: str) -> bool:
    if value in ("true", "false"):
        return value == "true"
    raise bad(f"Invalid boolean: {value}", param=param)


def text(value: Any, param: str) -> str:
    if isinstance(value, str):
        return value
    raise bad(f"Invalid string: {param} must be a string", param=param)


def hash_(value: Any, param: str) -> JsonDict:
    if isinstance(value, dict):
        return value
    raise bad(f"Invalid object: {param} must be a hash", param=param)


def array(value: Any, param: str) -> list[Any]:
    if isinstance(value, list):
        return value
    raise bad(f"Invalid array: {param} must be an array", param=param)
