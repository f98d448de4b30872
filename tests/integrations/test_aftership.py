"""AfterShip adapter against a fake AfterShip API: register, fetch, stop, errors, retries,
webhook signatures (known-answer vectors) and the status table."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from integrations.couriers import configured, couriers, create
from integrations.couriers.aftership import AfterShip, Courier
from integrations.couriers.aftership.adapter import API_VERSION
from integrations.couriers.aftership.statuses import SUBTAGS, TAGS, status
from integrations.errors import (
    AuthFailed,
    BadRequest,
    Forged,
    NotConfigured,
    NotFound,
    ServerError,
)
from integrations.http import HttpClient
from integrations.types import TrackingStatus as S
from tests.integrations.fakes import aftership as fake_as
from tests.integrations.fakes.aftership import FakeAfterShip
from tests.integrations.helpers import FAILING_EVERY_TIME, fails_every_time, fake_fixture, recovers

NUMBER = "RR123456785CN"

fake = fake_fixture(FakeAfterShip)


def env(fake: FakeAfterShip, **overrides: str) -> dict[str, str]:
    return {
        "AFTERSHIP_API_KEY": fake_as.API_KEY,
        "AFTERSHIP_WEBHOOK_SECRET": fake_as.WEBHOOK_SECRET,
        "AFTERSHIP_API_BASE": fake.api_base,
    } | overrides


@pytest.fixture
def courier(fake: FakeAfterShip, http: HttpClient) -> AfterShip:
    return AfterShip(env(fake), http)


def scanned(fake: FakeAfterShip) -> None:
    """NUMBER tracked, with three scans: accepted in China, customs, delivered."""
    fake.add(NUMBER)
    fake.advance(
        NUMBER, "InTransit", "InTransit_002", "收寄 Posting", "2026-01-02T09:00:00+08:00",
        city="Shenzhen", country="CHN",
    )  # fmt: skip
    fake.advance(
        NUMBER, "InTransit", "InTransit_006", "Handed over to customs", "2026-01-09T10:30:00",
        country="DEU",
    )  # fmt: skip
    fake.advance(NUMBER, "Delivered", "Delivered_001", "Delivered", "2026-01-12T15:00:00+01:00")


# --------------------------------------------------------------------------- registry


def test_manifest_and_registry(fake: FakeAfterShip, http: HttpClient) -> None:
    assert Courier is AfterShip
    assert couriers()["aftership"] is AfterShip
    manifest = AfterShip.manifest
    assert (manifest.name, manifest.env_prefix) == ("aftership", "AFTERSHIP")
    assert manifest.credentials == ("AFTERSHIP_API_KEY",)
    assert manifest.api_base == "https://api.aftership.com"
    assert AfterShip.webhook_header == "aftership-hmac-sha256"
    assert "aftership" in configured({"AFTERSHIP_API_KEY": "k"})
    assert "aftership" not in configured({})
    created = create("aftership", env(fake), http)
    assert isinstance(created, AfterShip)
    assert created.url == f"{fake.api_base}/tracking/{API_VERSION}/trackings"


def test_missing_key_is_not_configured(http: HttpClient) -> None:
    with pytest.raises(NotConfigured) as caught:
        create("aftership", {}, http)
    assert caught.value.missing == ["AFTERSHIP_API_KEY"]
    with pytest.raises(NotFound):
        create("nobody", {}, http)


def test_push_needs_the_webhook_secret(fake: FakeAfterShip, http: HttpClient) -> None:
    assert AfterShip(env(fake), http).push
    assert not AfterShip(env(fake, AFTERSHIP_WEBHOOK_SECRET=""), http).push


# --------------------------------------------------------------------------- API


async def test_register_sends_number_and_slug(courier: AfterShip, fake: FakeAfterShip) -> None:
    await courier.register(NUMBER, "china-post")
    call = fake.calls[-1]
    assert (call["method"], call["path"]) == ("POST", f"/tracking/{API_VERSION}/trackings")
    assert call["json"] == {"tracking_number": NUMBER, "slug": "china-post"}
    assert fake.find(NUMBER) is not None


async def test_register_translates_detect_codes_and_omits_unknown(
    courier: AfterShip, fake: FakeAfterShip
) -> None:
    await courier.register("EE123456785CN", "china-ems")
    assert fake.calls[-1]["json"]["slug"] == "china-ems"
    await courier.register("LP00123456789012", None)
    assert fake.calls[-1]["json"] == {"tracking_number": "LP00123456789012"}
    await courier.register("RR123456785DE", "upu-de")  # no slug known: AfterShip detects it
    assert fake.calls[-1]["json"] == {"tracking_number": "RR123456785DE"}
    await courier.register("1Z999AA10123456784", "UPS")  # anything else is a slug itself
    assert fake.calls[-1]["json"]["slug"] == "ups"


async def test_register_twice_is_success(courier: AfterShip, fake: FakeAfterShip) -> None:
    await courier.register(NUMBER, None)
    await courier.register(NUMBER, None)  # 409, meta.code 4003
    assert len(fake.trackings) == 1


async def test_fetch_maps_status_and_checkpoints(courier: AfterShip, fake: FakeAfterShip) -> None:
    scanned(fake)
    update = await courier.fetch(NUMBER, "china-post")
    assert fake.calls[-1]["query"] == {"tracking_numbers": NUMBER, "slug": "china-post"}
    assert (update.provider, update.number, update.carrier) == ("aftership", NUMBER, "china-post")
    assert (update.status, update.provider_status, update.provider_substatus) == (
        S.DELIVERED,
        "Delivered",
        "Delivered_001",
    )
    assert update.stopped  # AfterShip stops tracking a delivered parcel
    first, customs, delivered = update.checkpoints
    assert first.occurred_at == datetime(2026, 1, 2, 1, 0, tzinfo=UTC)
    assert (first.status, first.location, first.message) == (
        S.IN_TRANSIT,
        "Shenzhen, CHN",
        "收寄 Posting",
    )
    assert customs.occurred_at == datetime(2026, 1, 9, 10, 30, tzinfo=UTC)  # no offset: UTC
    assert (customs.status, customs.provider_substatus) == (S.CUSTOMS_PROCESSING, "InTransit_006")
    assert delivered.status is S.DELIVERED
    assert len({cp.key for cp in update.checkpoints}) == 3
    assert update.raw["id"] == fake.find(NUMBER)["id"]  # type: ignore[index]


async def test_fetch_pending_has_no_status(courier: AfterShip, fake: FakeAfterShip) -> None:
    fake.add(NUMBER)
    update = await courier.fetch(NUMBER, None)
    assert (update.status, update.provider_status, update.checkpoints) == (None, "Pending", ())
    assert not update.stopped


async def test_fetch_unknown_number_is_not_found(courier: AfterShip) -> None:
    with pytest.raises(NotFound):
        await courier.fetch(NUMBER, None)


async def test_stop_deletes_and_is_idempotent(courier: AfterShip, fake: FakeAfterShip) -> None:
    fake.add(NUMBER)
    await courier.stop(NUMBER, None)
    assert fake.trackings == {}
    assert fake.calls[-1]["method"] == "DELETE"
    before = len(fake.calls)
    await courier.stop(NUMBER, None)  # not tracked any more: nothing to delete
    assert [c["method"] for c in fake.calls[before:]] == ["GET"]


async def test_wrong_key_is_auth_failed(fake: FakeAfterShip, http: HttpClient) -> None:
    courier = AfterShip(env(fake, AFTERSHIP_API_KEY="wrong"), http)
    with pytest.raises(AuthFailed) as caught:
        await courier.register(NUMBER, None)
    assert caught.value.code == "401"
    assert "wrong" not in str(caught.value) and "wrong" not in repr(caught.value.raw)
    assert len(fake.calls) == 1  # refused: not retried


async def test_retry_succeeds_after_500_and_429(courier: AfterShip, fake: FakeAfterShip) -> None:
    fake.add(NUMBER)
    update = await recovers(fake, ["500", "429"], courier.fetch(NUMBER, None))
    assert update.number == NUMBER


@pytest.mark.parametrize(("step", "error"), FAILING_EVERY_TIME)
async def test_failing_every_time_is_raised(
    courier: AfterShip, fake: FakeAfterShip, step: str, error: type[Exception]
) -> None:
    fake.add(NUMBER)
    await fails_every_time(fake, step, courier.fetch(NUMBER, None), error)


async def test_garbage_tracking_is_server_error(courier: AfterShip, fake: FakeAfterShip) -> None:
    fake.add(NUMBER, checkpoints="not a list")
    with pytest.raises(ServerError, match="checkpoints"):
        await courier.fetch(NUMBER, None)


# --------------------------------------------------------------------------- webhooks

KNOWN_BODY = (
    b'{"event":"tracking_update","event_id":"5b6e8ad8-0a3c-4c6a-9d5b-4e4f3c2a1b00",'
    b'"msg":{"tracking_number":"RR123456785CN","slug":"china-post","tag":"InTransit",'
    b'"subtag":"InTransit_006"}}'
)
KNOWN_SECRET = "whsec-known-answer"
# Computed in the shell, independently of the adapter:
#   printf '%s' "$KNOWN_BODY" | openssl dgst -sha256 -hmac whsec-known-answer -binary | base64
KNOWN_SIGNATURE = "Df0S6kRtxjxQFUChM945bvLyXrVY9ZMvY6JlpziSM/w="


def signed(body: bytes, secret: str = KNOWN_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"aftership-hmac-sha256": base64.b64encode(digest).decode()}


@pytest.fixture
def receiver(fake: FakeAfterShip, http: HttpClient) -> AfterShip:
    return AfterShip(env(fake, AFTERSHIP_WEBHOOK_SECRET=KNOWN_SECRET), http)


def test_known_answer_vector(receiver: AfterShip) -> None:
    assert signed(KNOWN_BODY) == {"aftership-hmac-sha256": KNOWN_SIGNATURE}
    update = receiver.verify(KNOWN_BODY, {"AfterShip-Hmac-SHA256": KNOWN_SIGNATURE})
    assert (update.number, update.status, update.provider_substatus) == (
        NUMBER,
        S.CUSTOMS_PROCESSING,
        "InTransit_006",
    )
    assert update.delivery_id == "5b6e8ad8-0a3c-4c6a-9d5b-4e4f3c2a1b00"
    assert update.raw["event"] == "tracking_update"


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        pytest.param(KNOWN_BODY.replace(b"006", b"005"), signed(KNOWN_BODY), id="tampered"),
        pytest.param(KNOWN_BODY, signed(KNOWN_BODY, "another-secret"), id="wrong-secret"),
        pytest.param(KNOWN_BODY, {}, id="no-header"),
        pytest.param(KNOWN_BODY, {"aftership-hmac-sha256": ""}, id="empty-header"),
        pytest.param(b"", signed(b""), id="empty-body"),
        pytest.param(KNOWN_BODY, {"aftership-hmac-sha256": "ünïcode"}, id="non-ascii"),
    ],
)
def test_bad_signatures_are_forged(
    receiver: AfterShip, body: bytes, headers: dict[str, str]
) -> None:
    with pytest.raises(Forged):
        receiver.verify(body, headers)


def test_without_secret_every_delivery_is_forged(fake: FakeAfterShip, http: HttpClient) -> None:
    courier = AfterShip(env(fake, AFTERSHIP_WEBHOOK_SECRET=""), http)
    with pytest.raises(Forged):
        courier.verify(KNOWN_BODY, {"aftership-hmac-sha256": KNOWN_SIGNATURE})


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"event": "tracking_update"}', b'{"msg": {"tag": "Delivered"}}'],
)
def test_signed_but_malformed_is_bad_request(receiver: AfterShip, body: bytes) -> None:
    with pytest.raises(BadRequest):
        receiver.verify(body, signed(body))


async def test_fake_push_is_verified_by_the_adapter(
    courier: AfterShip, fake: FakeAfterShip
) -> None:
    scanned(fake)
    body, headers = fake.webhook(NUMBER, event_id="evt-1")
    update = courier.verify(body, headers)
    assert (update.status, update.delivery_id, len(update.checkpoints)) == (
        S.DELIVERED,
        "evt-1",
        3,
    )
    fetched = await courier.fetch(NUMBER, None)
    assert [cp.key for cp in update.checkpoints] == [cp.key for cp in fetched.checkpoints]
    assert json.loads(body)["msg"]["tracking_number"] == NUMBER


# --------------------------------------------------------------------------- statuses


@pytest.mark.parametrize("tag", sorted(TAGS))
def test_every_tag_maps(tag: str) -> None:
    assert status(tag, "") is TAGS[tag]
    assert (TAGS[tag] is None) == (tag == "Pending")


@pytest.mark.parametrize("subtag", sorted(SUBTAGS))
def test_every_subtag_maps_within_its_tag(subtag: str) -> None:
    tag = subtag.split("_")[0]
    assert tag in TAGS
    assert status(tag, subtag) is SUBTAGS[subtag]


@pytest.mark.parametrize(
    ("tag", "subtag", "expected"),
    [
        ("InTransit", "InTransit_005", S.CUSTOMS_RELEASED),
        ("InTransit", "InTransit_006", S.CUSTOMS_PROCESSING),
        ("Exception", "Exception_004", S.CUSTOMS_ACTION_REQUIRED),
        ("Exception", "Exception_010", S.RETURNING),
        ("Exception", "Exception_011", S.RETURNING),
        ("Exception", "Exception_099", S.EXCEPTION),  # a newer sub-tag: its tag decides
        ("AttemptFail", "AttemptFail_001", S.DELIVERY_FAILED),
        ("Teleported", "Teleported_001", None),  # unknown: no status, provider's kept
    ],
)
def test_status_table(tag: str, subtag: str, expected: S | None) -> None:
    assert status(tag, subtag) is expected
