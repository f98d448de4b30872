"""Failures of what the bot stands on (its database, the network), as opposed to failures of
the request itself: an update that met one is worth handling again later, not apologising for."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

INFRASTRUCTURE: tuple[type[BaseException], ...] = (
    OperationalError,  # the server went away, refused, or was killed mid-statement
    InterfaceError,
    PoolTimeout,  # no connection free in time
    ConnectionError,
    TimeoutError,
    asyncio.TimeoutError,
)


# SQLSTATE classes of the server's own trouble: connection exceptions, insufficient resources,
# operator intervention (a statement timeout, a shutdown), system errors.
SERVER_TROUBLE = ("08", "53", "57", "58")


def _server_trouble(orig: BaseException | None) -> bool:
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return isinstance(state, str) and state.startswith(SERVER_TROUBLE)


def infrastructure(error: BaseException | None) -> bool:
    """Whether `error` (or what it was raised from) is the infrastructure failing."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, INFRASTRUCTURE):
            return True
        if isinstance(error, DBAPIError) and (
            error.connection_invalidated or _server_trouble(error.orig)
        ):
            return True
        if isinstance(error, OSError) and error.errno is not None:
            return True  # connection refused, host unreachable ...
        error = error.__cause__ or error.__context__
        seen += 1
    return False
