"""The outbox's sending side: which chats are due, in which order, and claims that never let
two senders take the same alert."""

from __future__ import annotations

from bot.process.deps import Deps
from bot.services import alerts


async def queue(deps: Deps, *chats: int) -> None:
    async with deps.sessions.begin() as s:
        await alerts.enqueue_many(
            s,
            [
                alerts.row(f"k{i}", chat, "purchased", {"order_id": i})
                for i, chat in enumerate(chats)
            ],
        )


async def test_chats_come_longest_waiting_first_without_those_in_hand_or_blocked(
    deps: Deps,
) -> None:
    await queue(deps, 7, 5, 7, 9, 5, 11)
    async with deps.sessions.begin() as s:
        assert await alerts.due_chats(s, 10) == [7, 5, 9, 11]
        assert await alerts.due_chats(s, 2) == [7, 5]
        assert await alerts.due_chats(s, 10, {5, 9}) == [7, 11]
        await alerts.block(s, 7)
        assert await alerts.due_chats(s, 10) == [5, 9, 11]
        assert await alerts.unblock(s, 7) and not await alerts.unblock(s, 7)
        assert await alerts.due_chats(s, 10) == [7, 5, 9, 11]


async def test_a_chat_is_claimed_a_few_at_a_time_in_order_and_once(deps: Deps) -> None:
    await queue(deps, *[3] * 5, 4)
    async with deps.sessions.begin() as s:
        first = await alerts.claim_chat(s, 3, 2)
        second = await alerts.claim_chat(s, 3, 10)
        again = await alerts.claim_chat(s, 3, 10)
        assert [a.params["order_id"] for a in first] == [0, 1]
        assert [a.params["order_id"] for a in second] == [2, 3, 4]
        assert again == []  # all in hand: a second sender gets nothing
        assert await alerts.due_chats(s, 10) == [4]
        await alerts.release(s, [a.id for a in second])  # not tried after all
        assert await alerts.due_chats(s, 10) == [3, 4]
        (back, *_) = await alerts.claim_chat(s, 3, 1)
        assert back.params["order_id"] == 2 and back.attempts == 1  # the release not counted
