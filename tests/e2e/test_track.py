"""/track: anyone follows any parcel number, lists what they follow and stops; bad numbers get
a clear answer; alerts skip a chat that blocked the bot and reach it once it is back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select, update

from bot import models
from bot.db import utcnow
from bot.playground.botapi.server import LocalBotApi
from bot.process.deps import Deps
from bot.services import alerts, tracking
from bot.telegram.updates import ServiceUpdate
from handlers import alerts as sending
from tests.e2e.harness import Shopper

NUMBER = "RR123456785CN"


async def test_anyone_follows_a_number_and_stops(
    shopper: Callable[..., Shopper], deps: Deps
) -> None:
    ann, bob = shopper("en"), shopper("en", first_name="Bob")
    (nothing,) = await ann.send("/track")
    assert "You follow no parcels" in nothing.text
    (card,) = await ann.send("/track rr 1234 5678 5cn")
    assert NUMBER in card.text and "China Post" in card.text and "no news" in card.text
    assert [b.text for b in card.all_buttons] == ["Stop alerts", "« All numbers"]
    await bob.send(f"/track {NUMBER}")
    async with deps.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(models.Tracking)) == 1
        assert await s.scalar(select(func.count()).select_from(models.TrackingFollow)) == 2
    (listing,) = await ann.send("/track")
    assert NUMBER in listing.text
    answer = await ann.press("✖ Stop", listing)
    assert answer.text == "Alerts stopped."
    assert "You follow no parcels" in ann.last.text  # the list, edited in place
    async with deps.sessions() as s:
        assert [t.number for t in await tracking.followed(s, bob.chat_id)] == [NUMBER]


async def test_a_bad_number_gets_a_clear_answer(shopper: Callable[..., Shopper]) -> None:
    ann = shopper("en")
    (long,) = await ann.send("/track " + "9" * 201)
    assert long.text == "That is too long for a tracking number."
    (odd,) = await ann.send("/track <b>RR12</b>")
    assert "does not look like a tracking number" in odd.text
    (ru,) = await shopper("ru").send("/track %%%")
    assert "RR123456785CN" in ru.text and ru.text != odd.text  # in Russian


async def test_following_is_capped(shopper: Callable[..., Shopper], deps: Deps) -> None:
    ann = shopper("en")
    async with deps.sessions.begin() as s:
        for i in range(tracking.MAX_FOLLOWS):
            track = await tracking.start(s, f"SF{100000000000 + i}", "sf-express", None)
            await tracking.follow(s, ann.chat_id, track)
    (refused,) = await ann.send(f"/track {NUMBER}")
    assert f"You follow {tracking.MAX_FOLLOWS} numbers already" in refused.text
    async with deps.sessions() as s:
        assert await s.scalar(select(func.count()).where(models.Tracking.number == NUMBER)) == 0


async def kick(ann: Shopper) -> None:
    await ann.app.process_update(ServiceUpdate(sending.SOURCE, "test"))


async def test_a_chat_that_blocked_the_bot_is_skipped_until_it_is_back(
    shopper: Callable[..., Shopper], deps: Deps, botapi: LocalBotApi
) -> None:
    ann = shopper("en")
    await ann.send("/start")
    await ann._feed(botapi.make_block_update(ann.user))
    async with deps.sessions.begin() as s:
        await alerts.enqueue(s, "order:1:purchased", ann.chat_id, "purchased", {"order_id": 1})
    await kick(ann)
    assert not [m for m in ann.seen if "bought at the seller" in m.text]
    async with deps.sessions() as s:
        alert = await s.scalar(select(models.Alert))
    assert alert is not None and alert.status == "pending"
    await ann._feed(botapi.make_block_update(ann.user, blocked=False))
    assert [m.text for m in ann.seen if "bought at the seller" in m.text] == [
        "🛒 Order #1: bought at the seller. We tell you when it ships."
    ]
    await kick(ann)  # nothing is sent twice
    assert len([m for m in ann.seen if "bought at the seller" in m.text]) == 1


async def test_a_chat_found_blocked_at_send_time_is_marked(
    shopper: Callable[..., Shopper], deps: Deps, botapi: LocalBotApi
) -> None:
    ann = shopper("en")
    botapi.blocked.add(ann.chat_id)  # blocked while the bot was away: no update came
    async with deps.sessions.begin() as s:
        await alerts.enqueue(s, "order:2:purchased", ann.chat_id, "purchased", {"order_id": 2})
        await alerts.enqueue(s, "order:2:seller_shipped", ann.chat_id, "seller_shipped",
                             {"order_id": 2})  # fmt: skip
    await kick(ann)
    async with deps.sessions() as s:
        blocked = await s.scalar(select(func.count()).select_from(models.BlockedChat))
        statuses = list((await s.execute(select(models.Alert.status))).scalars())
        due = await alerts.due_chats(s, 10)
    assert blocked == 1 and statuses == ["pending", "pending"] and due == []


async def test_a_failed_send_waits_its_backoff_and_gives_up_in_the_end(deps: Deps) -> None:
    async with deps.sessions.begin() as s:
        await alerts.enqueue(s, "k", 42, "purchased", {"order_id": 3})
    for attempt in range(1, alerts.MAX_ATTEMPTS + 1):
        async with deps.sessions.begin() as s:
            assert await alerts.due_chats(s, 10) == [42]
            (claimed,) = await alerts.claim_chat(s, 42, alerts.PER_CHAT)
            alert_id = claimed.id
            assert claimed.attempts == attempt
            assert await alerts.claim_chat(s, 42, 10) == []  # taken: nobody else sends it
            await alerts.retry_later(s, claimed)
        async with deps.sessions.begin() as s:
            alert = await s.get(models.Alert, alert_id)
            assert alert is not None
            waited = alert.next_attempt_at - utcnow()
            assert waited > timedelta(seconds=alerts.backoff(attempt) - 5)
            assert await alerts.due_chats(s, 10) == []  # not before its backoff
            await s.execute(update(models.Alert).values(next_attempt_at=utcnow()))
    async with deps.sessions() as s:
        alert = await s.get(models.Alert, alert_id)
    assert alert is not None and alert.status == "failed"
    assert [alerts.backoff(n) for n in (1, 2, 3, 12)] == [10, 20, 40, 3600]


async def test_a_sender_that_died_mid_fan_out_loses_and_doubles_nothing(
    shopper: Callable[..., Shopper], deps: Deps, botapi: LocalBotApi
) -> None:
    """A process claimed chat A's alerts and died after sending and marking the first: the
    next sender leaves A's claims alone until CLAIM_TIMEOUT, then sends each unsent alert of
    every chat once, and never the one marked sent."""
    ann, bob = shopper("en"), shopper("en", first_name="Bob")
    async with deps.sessions.begin() as s:
        rows = [alerts.row(f"k{i}", chat, "purchased", {"order_id": i})
                for i, chat in enumerate([ann.chat_id] * 3 + [bob.chat_id] * 2)]  # fmt: skip
        await alerts.enqueue_many(s, rows)
        dead = await alerts.claim_chat(s, ann.chat_id, alerts.PER_CHAT)  # the dead sender's
        await alerts.sent(s, [dead[0].id])  # its first reached Telegram and was marked
    await kick(ann)
    assert orders_told(ann) == [] and orders_told(bob) == [3, 4]  # A's claims still held
    async with deps.sessions.begin() as s:  # CLAIM_TIMEOUT later
        await s.execute(update(models.Alert).values(claimed_at=utcnow() - alerts.CLAIM_TIMEOUT * 2))
    await kick(ann)
    await kick(ann)
    assert orders_told(ann) == [1, 2] and orders_told(bob) == [3, 4]
    async with deps.sessions() as s:
        statuses = list((await s.execute(select(models.Alert.status))).scalars())
    assert statuses == ["sent"] * 5


def orders_told(shopper: Shopper) -> list[int]:
    """The order numbers of the "bought" alerts the shopper received, in order."""
    return [int(m.text.split("#")[1].split(":")[0]) for m in shopper.seen
            if "bought at the seller" in m.text]  # fmt: skip
