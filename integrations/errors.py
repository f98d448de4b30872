"""The error tree every adapter raises, and provider error codes mapped onto it as data.

Rejected: the provider said no (auth, not found, not supported, bad request): do not retry.
Unavailable: the provider could not answer (network, timeout, rate limited, 5xx): retry later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class IntegrationError(Exception):
    """Base of every provider failure; keeps the provider's own code and payload."""

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        code: str | None = None,
        raw: Any = None,
    ) -> None:
        super().__init__(message)
        self.provider, self.code, self.raw = provider, code, raw

    def __str__(self) -> str:
        where = f"{self.provider}: " if self.provider else ""
        return f"{where}{self.reason}"

    @property
    def reason(self) -> str:
        """What went wrong, without the provider's name (for where the name is already said)."""
        return f"{self.args[0]} [{self.code}]" if self.code else str(self.args[0])


class Rejected(IntegrationError):
    """Do not retry: the same request will fail the same way."""


class AuthFailed(Rejected):
    """Missing, wrong or expired credentials, or a bad signature."""


class NotConfigured(AuthFailed):
    """The provider needs settings this deployment has not set (`missing` names them)."""

    def __init__(self, provider: str, missing: Sequence[str]) -> None:
        super().__init__(f"needs {', '.join(missing)}", provider=provider, code="not_configured")
        self.missing = list(missing)


class Forged(AuthFailed):
    """A webhook whose signature is missing, wrong or too old: not from the provider, or replayed.
    Nothing it says may change anything."""


class NotFound(Rejected):
    """The item (or endpoint) does not exist."""


class NotSupported(Rejected):
    """The provider cannot do this (see its capabilities)."""


class BadRequest(Rejected):
    """The provider refused the parameters."""


class TooLarge(Rejected):
    """The answer is bigger than the caller accepts (`max_bytes`, counted decompressed)."""


class Unavailable(IntegrationError):
    """Retry later: the provider or the network failed, not the request."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class NetworkError(Unavailable):
    """Connection refused, reset or DNS failure."""


class Timeout(Unavailable):
    """No answer within the timeout."""


class RateLimited(Unavailable):
    """The provider asked us to slow down (HTTP 429 or its own code)."""


class ServerError(Unavailable):
    """HTTP 5xx, or an answer that is not the provider's format at all."""


class CircuitOpen(Unavailable):
    """Too many recent failures: calls are short-circuited for a while."""


ErrorTable = Mapping[str, type[IntegrationError]]

HTTP_STATUS: dict[int, type[IntegrationError]] = {
    400: BadRequest,
    401: AuthFailed,
    403: AuthFailed,
    404: NotFound,
    405: NotSupported,
    408: Timeout,
    409: BadRequest,
    410: NotFound,
    422: BadRequest,
    429: RateLimited,
}


def from_status(status: int, message: str, *, provider: str, raw: Any = None) -> IntegrationError:
    """The error for an HTTP status: the table above, 5xx -> ServerError, else BadRequest."""
    cls = HTTP_STATUS.get(status) or (ServerError if status >= 500 else BadRequest)
    return cls(message, provider=provider, code=str(status), raw=raw)


def from_code(
    table: ErrorTable,
    code: str | int | None,
    message: str,
    *,
    provider: str,
    raw: Any = None,
    default: type[IntegrationError] = BadRequest,
) -> IntegrationError:
    """The error a provider's own code maps to in `table` (provider codes as data, not ifs)."""
    key = "" if code is None else str(code)
    return table.get(key, default)(
        message or "provider error", provider=provider, code=key, raw=raw
    )
