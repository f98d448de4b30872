"""Telling a failure of the infrastructure (come again later) from a failure of the request."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from bot.faults import infrastructure


class _Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _from(cause: BaseException) -> RuntimeError:
    try:
        raise RuntimeError("visit not recorded") from cause
    except RuntimeError as exc:
        return exc


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("SELECT 1", {}, Exception("server closed the connection")),
        ConnectionRefusedError(111, "Connect call failed"),
        TimeoutError(),
        DBAPIError("SELECT pg_sleep(9)", {}, _Orig("57014")),  # statement timeout
        DBAPIError("SELECT 1", {}, _Orig("08006")),  # connection failure
        _from(ConnectionRefusedError(111, "refused")),  # raised from one
    ],
)
def test_outages_are_the_infrastructure(error: BaseException) -> None:
    assert infrastructure(error)


@pytest.mark.parametrize(
    "error",
    [
        None,
        ValueError("a bug"),
        KeyError("missing"),
        IntegrityError("INSERT", {}, _Orig("23505")),  # a unique key: the request's own fault
        DBAPIError("SELECT", {}, _Orig("22P02")),  # bad input
    ],
)
def test_bugs_and_bad_requests_are_not(error: BaseException | None) -> None:
    assert not infrastructure(error)
