"""The fake Bot API's flood limits: paid broadcast counts against its own overall budget, and the
overall rates are the caller's to choose."""

from __future__ import annotations

import aiohttp
import pytest

from bot.playground.botapi.rules import ApiError, FloodControl
from bot.playground.botapi.server import LocalBotApi


def sends(flood: FloodControl, chats: range, *, paid: bool = False) -> int:
    """How many sends, one to each chat, pass before the first 429."""
    for n, chat in enumerate(chats):
        try:
            flood.check(chat, paid=paid)
        except ApiError as err:
            assert err.code == 429 and err.parameters == {"retry_after": 1}
            return n
    return len(chats)


def test_defaults_are_telegrams() -> None:
    flood = FloodControl(lambda: 0.0)
    assert (flood.per_second, flood.paid_per_second) == (30, 1000)
    assert sends(flood, range(1, 100)) == 30
    assert sends(flood, range(100, 2000), paid=True) == 1000


def test_paid_messages_have_their_own_overall_budget() -> None:
    now = [0.0]
    flood = FloodControl(lambda: now[0], per_second=5, paid_per_second=8)
    assert sends(flood, range(1, 10)) == 5
    assert sends(flood, range(10, 30), paid=True) == 8  # the free budget spent: paid still go
    assert sends(flood, range(30, 40)) == 0
    now[0] += 1.0
    assert sends(flood, range(40, 50)) == 5


def test_paid_messages_keep_the_per_chat_limits() -> None:
    flood = FloodControl(lambda: 0.0)
    assert sends(flood, range(7, 8), paid=True) == 1
    for _ in range(2):
        flood.check(7, paid=True)
    with pytest.raises(ApiError) as err:
        flood.check(7, paid=True)  # a private chat's burst of three is spent
    assert err.value.code == 429
    for _ in range(20):
        flood.check(-100, paid=True)
    with pytest.raises(ApiError):
        flood.check(-100, paid=True)  # 20 a minute in a group


async def test_the_server_reads_allow_paid_broadcast() -> None:
    flood = FloodControl(lambda: 0.0, per_second=2, paid_per_second=3)
    async with LocalBotApi(flood_limits=flood) as api, aiohttp.ClientSession() as http:
        url = f"{api.base_url}{api.token}/sendMessage"
        statuses = []
        for chat, paid in [
            (1, False),
            (2, False),
            (3, False),
            (4, True),
            (5, "true"),
            (6, True),
            (7, True),
        ]:
            api.user(chat)
            body = {"chat_id": chat, "text": "x", "allow_paid_broadcast": paid}
            async with http.post(url, json=body) as resp:
                statuses.append(resp.status)
    assert statuses == [200, 200, 429, 200, 200, 200, 429]
