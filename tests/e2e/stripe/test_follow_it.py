"""After payment: operators take the order through the warehouse and ship it; the shopper
approves the QC photo and hears every step; a signed courier webhook moves the parcel and the
shopper gets exactly one alert for it, however often it is delivered."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import select, update

from bot import models
from bot.process.couriers import providers
from bot.process.deps import Deps
from tests.e2e.harness import Shopper, until
from tests.e2e.stripe.conftest import Journey
from tests.integrations.fakes import aftership as fake
from tests.support import fast_http

OPERATOR = 777
NUMBER = "RR123456785CN"


@pytest.fixture
async def aftership(deps: Deps) -> AsyncIterator[fake.FakeAfterShip]:
    server = fake.FakeAfterShip()
    await server.start()
    env = {"AFTERSHIP_API_KEY": fake.API_KEY, "AFTERSHIP_WEBHOOK_SECRET": fake.WEBHOOK_SECRET,
           "AFTERSHIP_API_BASE": server.api_base}  # fmt: skip
    deps.http = fast_http()
    deps.couriers.providers = providers(env, deps.http)
    deps.settings.admin_ids = frozenset({OPERATOR})  # type: ignore[misc]
    yield server
    await deps.couriers.close()
    await server.close()


async def paid(journey: Journey) -> int:
    order_id, session = await journey.checked_out()
    await journey.stripe.complete(session, paid=True)
    await journey.told("Payment received")
    return order_id


def operator(journey: Journey) -> Shopper:
    user = journey.botapi.user(OPERATOR, first_name="Op", language_code="en")
    return Shopper(journey.botapi, journey.ann.app, user)


async def test_an_order_is_bought_checked_shipped_and_followed_to_the_door(
    journey: Journey, aftership: fake.FakeAfterShip, webhook: str
) -> None:
    ann, op = journey.ann, operator(journey)
    order_id = await paid(journey)
    (listing,) = await op.send("/ops")
    assert f"#{order_id}" in listing.text and "/bought ORDER REF" in listing.text
    for command, news in [
        (f"/bought {order_id} TB-88001", "bought at the seller"),
        (f"/sellershipped {order_id} SF1234567890123", "shipped it to our warehouse"),
    ]:
        (done,) = await op.send(command)
        assert "done, the shopper is told" in done.text
        await journey.told(news)
    await op._step(journey.botapi.make_message_update(op.user, f"/qc {order_id}", photo=True))
    await until(lambda: any(m.photo for m in journey.botapi.messages(ann.chat_id)))
    qc = next(m for m in journey.botapi.messages(ann.chat_id) if m.photo)
    assert "Approve it" in (qc.caption or "")
    answer = await ann.press("✅ Approve", qc)
    assert "keep it safe" in (answer.text or "")
    (packed,) = await op.send(f"/pack {order_id} 1500 30x20x10")
    async with journey.deps.sessions() as s:
        parcel_id = await s.scalar(select(models.Parcel.id))
    assert f"Parcel {parcel_id} packed" in packed.text
    (shipped,) = await op.send(f"/ship {parcel_id} rr 123 456 785 cn")
    assert NUMBER in shipped.text and "China Post" in shipped.text
    await journey.told("is on its way")
    await until(lambda: aftership.find(NUMBER) is not None)  # registered after the commit

    async with journey.deps.sessions.begin() as s:  # Ann now reads the bot in Russian
        await s.execute(update(models.User).values(language="ru"))
    aftership.advance(NUMBER, "InTransit", "InTransit_002", "Departed Shanghai", "2026-12-03T08:00:00+08:00", city="Shanghai")  # fmt: skip
    url = f"{webhook}/webhooks/aftership"
    assert [await aftership.push(url, NUMBER) for _ in range(3)] == [200, 200, 200]
    await journey.told("в пути")  # rendered at send time, in the shopper's language
    tracking_alerts = [a for a in journey.alerts() if a.startswith("📦")]
    assert len(tracking_alerts) == 1 and "Departed Shanghai" in tracking_alerts[0]
    news = next(m for m in journey.botapi.messages(ann.chat_id) if m.text.startswith("📦"))
    assert {b.text for b in news.all_buttons} == {"История", "Отключить уведомления"}

    aftership.advance(NUMBER, "Delivered", "Delivered_001", "Delivered", "2026-12-09T10:00:00+01:00", city="Berlin")  # fmt: skip
    assert await aftership.push(url, NUMBER) == 200
    await journey.told("доставлен")
    assert await journey.status(order_id) == "delivered"
    parcel_news = [a for a in journey.alerts() if a.startswith("📦")]
    assert len(parcel_news) == 2  # in transit once (three deliveries of it), then delivered


async def test_a_forged_or_unsigned_courier_webhook_changes_nothing(
    journey: Journey, aftership: fake.FakeAfterShip, webhook: str, deps: Deps
) -> None:
    async with deps.sessions.begin() as s:
        from bot.services import tracking

        await tracking.start(s, NUMBER, "china-post", "aftership")
    aftership.add(NUMBER)
    aftership.advance(NUMBER, "Delivered", "Delivered_001", "Delivered", "2026-12-09T10:00:00+01:00")  # fmt: skip
    url = f"{webhook}/webhooks/aftership"
    assert await aftership.push(url, NUMBER, secret="not-the-secret") == 401
    body, headers = aftership.webhook(NUMBER)
    del headers[fake.SIGNATURE_HEADER]
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=body, headers=headers) as unsigned:
            assert unsigned.status == 401
        tampered = body.replace(b"Delivered", b"Exception")
        signed = aftership.webhook(NUMBER)[1]
        async with http.post(url, data=tampered, headers=signed) as forged:
            assert forged.status == 401
        async with http.post(f"{webhook}/webhooks/17track", data=body) as off:
            assert off.status == 404  # 17TRACK is not configured here
    async with deps.sessions() as s:
        assert (await s.execute(select(models.TrackingEvent))).first() is None
        track = await s.scalar(select(models.Tracking))
    assert track is not None and track.status is None


async def test_a_non_operator_is_refused(journey: Journey, aftership: fake.FakeAfterShip) -> None:
    for command in ("/ops", "/bought 1 X", "/ship 1 RR123456785CN"):
        (refused,) = await journey.ann.send(command)
        assert "for operators" in refused.text
