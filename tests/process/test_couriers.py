"""Numbers followed through a courier provider: registered after the commit, polled in one
process of many when the provider pushes nothing here, and 17TRACK's signed webhook applied."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot import models
from bot.db import utcnow
from bot.process.couriers import Couriers, providers
from bot.process.deps import Deps
from bot.web.app import make_web_app
from tests.integrations.fakes import aftership as fake_aftership
from tests.integrations.fakes import seventeentrack as fake_17track
from tests.support import fast_http, serving

NUMBER = "RR123456785CN"
USER = 5150


@pytest.fixture
async def seventeen(deps: Deps) -> AsyncIterator[fake_17track.FakeSeventeenTrack]:
    async with fake_17track.FakeSeventeenTrack() as fake:
        env = {"SEVENTEENTRACK_API_KEY": fake_17track.API_KEY,
               "SEVENTEENTRACK_API_BASE": fake.api_base}  # fmt: skip
        deps.http = fast_http()
        deps.couriers.providers = providers(env, deps.http)
        yield fake
        await deps.couriers.close()


async def tracking_row(deps: Deps) -> models.Tracking:
    async with deps.sessions() as s:
        track = await s.scalar(select(models.Tracking).where(models.Tracking.number == NUMBER))
    assert track is not None
    return track


async def test_a_number_without_push_is_registered_then_polled(deps: Deps) -> None:
    async with fake_aftership.FakeAfterShip() as fake:  # no webhook secret: AfterShip polled
        env = {"AFTERSHIP_API_KEY": fake_aftership.API_KEY, "AFTERSHIP_API_BASE": fake.api_base}
        couriers = Couriers(deps.sessions, providers(env, fast_http()))
        assert couriers.preferred == "aftership" and not couriers.providers["aftership"].push
        followed = await couriers.follow(USER, NUMBER, "china-post")
        assert followed.new and followed.tracking.provider == "aftership"
        await couriers.close()  # the registration after the commit
        assert fake.find(NUMBER) is not None
        fake.advance(NUMBER, "InTransit", "InTransit_007", "Arrived at hub", "2026-12-03T08:00:00+08:00")  # fmt: skip
        async with deps.sessions.begin() as s:  # its next poll is due
            await s.execute(update(models.Tracking).values(next_poll_at=utcnow()))
        assert await couriers.poll_due() == 1
        track = await tracking_row(deps)
        assert track.status == "in_transit" and track.registered
        assert track.next_poll_at is not None and track.next_poll_at > utcnow() + timedelta(
            minutes=20
        )  # fmt: skip
        other = Couriers(deps.sessions, couriers.providers)  # another process, same minute
        async with deps.sessions.begin() as s:
            await s.execute(update(models.Tracking).values(next_poll_at=utcnow()))
        assert await other.poll_due() == 0  # the lease: one process of many polls
        async with deps.sessions() as s:
            alerts = list((await s.execute(select(models.Alert.kind))).scalars())
        assert alerts == ["tracking"]


async def test_a_delivered_number_is_not_polled_again(
    deps: Deps, seventeen: fake_17track.FakeSeventeenTrack
) -> None:
    await deps.couriers.follow(USER, NUMBER, "china-post")
    await deps.couriers.close()
    assert NUMBER in seventeen.numbers
    seventeen.advance(NUMBER, "Delivered_Other", "Delivered", "2026-12-09T10:00:00+01:00")
    await deps.couriers.poll([(await tracking_row(deps)).id])
    track = await tracking_row(deps)
    assert track.status == "delivered" and track.next_poll_at is None


async def test_seventeentracks_signed_webhook_is_applied_once(
    deps: Deps, seventeen: fake_17track.FakeSeventeenTrack
) -> None:
    await deps.couriers.follow(USER, NUMBER, "china-post")
    await deps.couriers.close()
    seventeen.advance(NUMBER, "InTransit_CustomsProcessing", "Customs clearance", "2026-12-05T09:00:00+01:00")  # fmt: skip
    async with serving(make_web_app(deps)) as url:
        hook = f"{url}/webhooks/17track"
        assert [await seventeen.push(hook, NUMBER) for _ in range(2)] == [200, 200]
        assert await seventeen.push(hook, NUMBER, key="wrong-key") == 401
    track = await tracking_row(deps)
    assert track.status == "customs_processing"
    assert track.provider_substatus == "InTransit_CustomsProcessing"
    async with deps.sessions() as s:
        params = list((await s.execute(select(models.Alert.params))).scalars())
    assert len(params) == 1 and params[0]["status"] == "customs_processing"
