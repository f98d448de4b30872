"""Stripe SDK exceptions onto integrations.errors, as data.

The SDK has already turned Stripe's error envelope (`{"error": {"type", "message", "code",
"param"}}`) and the HTTP status into one of its classes; this table maps each class onto our
tree: the request was refused (Rejected: do not retry) or Stripe could not answer
(Unavailable: retry later, with the same idempotency key). A connection error whose cause is a
timeout becomes Timeout. Messages are Stripe's own (it masks keys) or a status line, never a
raw body.
"""

from __future__ import annotations

import stripe

from integrations.errors import (
    AuthFailed,
    BadRequest,
    IntegrationError,
    NetworkError,
    NotFound,
    RateLimited,
    Rejected,
    ServerError,
    Timeout,
)

NAME = "stripe"

# Most specific first: IdempotencyError and CardError are both "400-ish" InvalidRequest kin.
TABLE: tuple[tuple[type[stripe.StripeError], type[IntegrationError]], ...] = (
    (stripe.IdempotencyError, BadRequest),
    (stripe.CardError, Rejected),
    (stripe.AuthenticationError, AuthFailed),
    (stripe.PermissionError, AuthFailed),
    (stripe.RateLimitError, RateLimited),
    (stripe.InvalidRequestError, BadRequest),
    (stripe.APIConnectionError, NetworkError),
    (stripe.APIError, ServerError),
)


def _envelope(err: stripe.StripeError) -> dict[str, object]:
    body = err.json_body
    inner = body.get("error") if isinstance(body, dict) else None
    return inner if isinstance(inner, dict) else {}


def convert(err: stripe.StripeError) -> IntegrationError:
    """Our error for an SDK exception (chain it: `raise convert(e) from e`)."""
    envelope = _envelope(err)
    status = err.http_status
    kind: type[IntegrationError] = next(
        (ours for theirs, ours in TABLE if isinstance(err, theirs)), ServerError
    )
    if kind is BadRequest and status == 404:
        kind = NotFound
    if isinstance(err, stripe.APIConnectionError) and _timed_out(err):
        kind = Timeout
    if status is not None and status >= 500:
        kind = ServerError
    message = str(envelope.get("message") or "")
    if not message:
        message = f"HTTP {status}" if status else type(err).__name__
        if kind is ServerError and status and status < 500:
            message = f"answer is not Stripe's format (HTTP {status})"
    code = envelope.get("code") or envelope.get("type") or (str(status) if status else None)
    return kind(message, provider=NAME, code=str(code) if code else None, raw=envelope or None)


def _timed_out(err: BaseException) -> bool:
    cause = err.__cause__
    while cause is not None:
        if isinstance(cause, TimeoutError):
            return True
        cause = cause.__cause__
    return False
