"""17TRACK adapter against a fake 17TRACK v2.2 API: register, fetch, stop, errors, retries,
webhook signatures (known-answer vectors) and the status table."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from integrations.couriers import configured, couriers, create
from integrations.couriers.seventeentrack import Courier, SeventeenTrack
from integrations.couriers.seventeentrack.statuses import STATUSES, SUBSTATUSES, status
from integrations.errors import AuthFailed, BadRequest, Forged, NotConfigured, NotFound
from integrations.http import HttpClient
from integrations.types import TrackingStatus as S
from tests.integrations.fakes import seventeentrack as fake_17
from tests.integrations.fakes.seventeentrack import FakeSeventeenTrack
from tests.integrations.helpers import FAILING_EVERY_TIME, fails_every_time, fake_fixture, recovers

NUMBER = "RR123456785CN"

fake = fake_fixture(FakeSeventeenTrack)


def env(fake: FakeSeventeenTrack, **overrides: str) -> dict[str, str]:
    return {"SEVENTEENTRACK_API_KEY": fake_17.API_KEY, "SEVENTEENTRACK_API_BASE": fake.api_base} | (
        overrides
    )


@pytest.fixture
def courier(fake: FakeSeventeenTrack, http: HttpClient) -> SeventeenTrack:
    return SeventeenTrack(env(fake), http)


def scanned(fake: FakeSeventeenTrack) -> None:
    """NUMBER registered, with three scans: picked up, at customs, returning."""
    fake.add(NUMBER)
    fake.advance(NUMBER, "InTransit_PickedUp", "收寄", "2026-01-02T09:00:00+08:00", "Shenzhen")
    fake.advance(
        NUMBER, "InTransit_CustomsRequiringInformation", "Documents needed",
        "2026-01-09T10:30:00+01:00", "Frankfurt",
    )  # fmt: skip
    fake.advance(NUMBER, "Exception_Returning", "Return to sender", "2026-01-20T08:00:00+01:00")


# --------------------------------------------------------------------------- registry


def test_manifest_and_registry(fake: FakeSeventeenTrack, http: HttpClient) -> None:
    assert Courier is SeventeenTrack
    assert couriers()["17track"] is SeventeenTrack
    manifest = SeventeenTrack.manifest
    assert (manifest.name, manifest.env_prefix) == ("17track", "SEVENTEENTRACK")
    assert manifest.credentials == ("SEVENTEENTRACK_API_KEY",)
    assert manifest.api_base == "https://api.17track.net"
    assert SeventeenTrack.webhook_header == "sign"
    assert configured({"SEVENTEENTRACK_API_KEY": "k"}) == ["17track"]
    created = create("17track", env(fake), http)
    assert isinstance(created, SeventeenTrack)
    assert created.api_base == fake.api_base  # SEVENTEENTRACK_API_BASE, not 17TRACK_API_BASE
    assert created.push
    default = create("17track", {"SEVENTEENTRACK_API_KEY": "k"}, http)
    assert default.api_base == "https://api.17track.net"


def test_missing_key_is_not_configured(http: HttpClient) -> None:
    with pytest.raises(NotConfigured) as caught:
        SeventeenTrack({}, http)
    assert caught.value.missing == ["SEVENTEENTRACK_API_KEY"]


@pytest.mark.parametrize(
    ("carrier", "code"),
    [
        (None, None),
        ("3011", 3011),
        ("china-ems", 3013),
        ("yunexpress", 190008),
        ("upu-de", None),  # an operator detect.py has no code for: 17TRACK detects it
    ],
)
def test_carrier_codes(carrier: str | None, code: int | None) -> None:
    assert SeventeenTrack.carrier_code(carrier) == code


def test_unknown_carrier_name_is_bad_request() -> None:
    with pytest.raises(BadRequest):
        SeventeenTrack.carrier_code("pigeon-post")


# --------------------------------------------------------------------------- API


async def test_register_sends_an_array(courier: SeventeenTrack, fake: FakeSeventeenTrack) -> None:
    await courier.register(NUMBER, "china-post")
    assert fake.calls[-1] == {
        "path": "/track/v2.2/register",
        "json": [{"number": NUMBER, "carrier": 3011}],
    }
    await courier.register("LP00123456789012", None)
    assert fake.calls[-1]["json"] == [{"number": "LP00123456789012"}]  # 17TRACK detects it
    assert set(fake.numbers) == {NUMBER, "LP00123456789012"}


async def test_register_twice_is_success(courier: SeventeenTrack, fake: FakeSeventeenTrack) -> None:
    await courier.register(NUMBER, None)
    await courier.register(NUMBER, None)  # rejected -18019901: already registered
    assert len(fake.numbers) == 1


async def test_fetch_maps_status_and_checkpoints(
    courier: SeventeenTrack, fake: FakeSeventeenTrack
) -> None:
    scanned(fake)
    update = await courier.fetch(NUMBER, "3011")
    assert fake.calls[-1]["path"] == "/track/v2.2/gettrackinfo"
    assert (update.provider, update.number, update.carrier) == ("17track", NUMBER, "3011")
    assert (update.status, update.provider_status, update.provider_substatus) == (
        S.RETURNING,
        "Exception",
        "Exception_Returning",
    )
    picked, customs, returning = update.checkpoints  # oldest first
    assert picked.occurred_at == datetime(2026, 1, 2, 1, 0, tzinfo=UTC)
    assert (picked.status, picked.provider_status, picked.provider_substatus) == (
        S.IN_TRANSIT,
        "InTransit",
        "InTransit_PickedUp",
    )
    assert (picked.location, picked.message) == ("Shenzhen", "收寄")
    assert customs.status is S.CUSTOMS_ACTION_REQUIRED
    assert returning.status is S.RETURNING
    assert len({cp.key for cp in update.checkpoints}) == 3
    assert not update.stopped


async def test_fetch_before_any_scan_has_no_status(
    courier: SeventeenTrack, fake: FakeSeventeenTrack
) -> None:
    fake.add(NUMBER)
    update = await courier.fetch(NUMBER, None)
    assert (update.status, update.provider_status, update.checkpoints) == (None, "NotFound", ())


async def test_fetch_unregistered_is_not_found(courier: SeventeenTrack) -> None:
    with pytest.raises(NotFound) as caught:
        await courier.fetch(NUMBER, None)
    assert caught.value.code == "-18019902"


async def test_stop_and_stop_unregistered(
    courier: SeventeenTrack, fake: FakeSeventeenTrack
) -> None:
    fake.add(NUMBER)
    await courier.stop(NUMBER, None)
    assert fake.numbers[NUMBER].stopped
    assert fake.calls[-1]["path"] == "/track/v2.2/stoptrack"
    await courier.stop("LP00123456789012", None)  # never registered: nothing to stop


async def test_wrong_key_is_auth_failed(fake: FakeSeventeenTrack, http: HttpClient) -> None:
    courier = SeventeenTrack(env(fake, SEVENTEENTRACK_API_KEY="wrong"), http)
    with pytest.raises(AuthFailed) as caught:
        await courier.register(NUMBER, None)
    assert caught.value.code == "-18010002"
    assert "wrong" not in str(caught.value) and "wrong" not in repr(caught.value.raw)
    assert len(fake.calls) == 1  # refused: not retried


async def test_retry_succeeds_after_500_and_429(
    courier: SeventeenTrack, fake: FakeSeventeenTrack
) -> None:
    fake.add(NUMBER)
    update = await recovers(fake, ["500", "429"], courier.fetch(NUMBER, None))
    assert update.number == NUMBER


@pytest.mark.parametrize(("step", "error"), FAILING_EVERY_TIME)
async def test_failing_every_time_is_raised(
    courier: SeventeenTrack, fake: FakeSeventeenTrack, step: str, error: type[Exception]
) -> None:
    fake.add(NUMBER)
    await fails_every_time(fake, step, courier.fetch(NUMBER, None), error)


# --------------------------------------------------------------------------- webhooks

KNOWN_BODY = (
    b'{"event":"TRACKING_UPDATED","data":{"number":"RR123456785CN","carrier":3011,"tag":"",'
    b'"track_info":{"latest_status":{"status":"InTransit",'
    b'"sub_status":"InTransit_CustomsProcessing"}}}}'
)
KNOWN_KEY = "17key-known-answer"
# Computed in the shell, independently of the adapter:
#   printf '%s' "$KNOWN_BODY/17key-known-answer" | openssl dgst -sha256
KNOWN_SIGNATURE = "35a702eda110a4be439f238f700d3d9e1f96a5dfea2608717289c6c583787d89"


def signed(body: bytes, key: str = KNOWN_KEY) -> dict[str, str]:
    return {"sign": hashlib.sha256(body + b"/" + key.encode()).hexdigest()}


@pytest.fixture
def receiver(fake: FakeSeventeenTrack, http: HttpClient) -> SeventeenTrack:
    return SeventeenTrack(env(fake, SEVENTEENTRACK_API_KEY=KNOWN_KEY), http)


def test_known_answer_vector(receiver: SeventeenTrack) -> None:
    assert signed(KNOWN_BODY) == {"sign": KNOWN_SIGNATURE}
    update = receiver.verify(KNOWN_BODY, {"Sign": KNOWN_SIGNATURE.upper()})
    assert (update.number, update.carrier, update.status) == (
        NUMBER,
        "3011",
        S.CUSTOMS_PROCESSING,
    )
    assert (update.delivery_id, update.stopped) == (None, False)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        pytest.param(KNOWN_BODY.replace(b"3011", b"3013"), signed(KNOWN_BODY), id="tampered"),
        pytest.param(KNOWN_BODY, signed(KNOWN_BODY, "another-key"), id="wrong-key"),
        pytest.param(KNOWN_BODY, {}, id="no-header"),
        pytest.param(b"", signed(b""), id="empty-body"),
        pytest.param(KNOWN_BODY, {"sign": "ÿ" * 64}, id="non-ascii"),
    ],
)
def test_bad_signatures_are_forged(
    receiver: SeventeenTrack, body: bytes, headers: dict[str, str]
) -> None:
    with pytest.raises(Forged):
        receiver.verify(body, headers)


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'"TRACKING_UPDATED"',
        b'{"event": "TRACKING_UPDATED"}',
        b'{"event": "SOMETHING_ELSE", "data": {"number": "RR123456785CN"}}',
        b'{"event": "TRACKING_UPDATED", "data": {"carrier": 3011}}',
        b'{"event": "TRACKING_UPDATED", "data": {"number": "X1", "track_info": [1]}}',
    ],
)
def test_signed_but_malformed_is_bad_request(receiver: SeventeenTrack, body: bytes) -> None:
    with pytest.raises(BadRequest):
        receiver.verify(body, signed(body))


async def test_fake_push_is_verified_by_the_adapter(
    courier: SeventeenTrack, fake: FakeSeventeenTrack
) -> None:
    scanned(fake)
    body, headers = fake.webhook(NUMBER)
    update = courier.verify(body, headers)
    assert (update.status, len(update.checkpoints)) == (S.RETURNING, 3)
    fetched = await courier.fetch(NUMBER, None)
    assert [cp.key for cp in update.checkpoints] == [cp.key for cp in fetched.checkpoints]
    stopped = courier.verify(*fake.webhook(NUMBER, "TRACKING_STOPPED"))
    assert stopped.stopped


# --------------------------------------------------------------------------- statuses


@pytest.mark.parametrize("main", sorted(STATUSES))
def test_every_status_maps(main: str) -> None:
    assert status(main, "") is STATUSES[main]
    assert (STATUSES[main] is None) == (main == "NotFound")


@pytest.mark.parametrize("sub", sorted(SUBSTATUSES))
def test_every_substatus_maps_within_its_status(sub: str) -> None:
    main = sub.split("_")[0]
    assert main in STATUSES
    assert status(main, sub) is SUBSTATUSES[sub]


@pytest.mark.parametrize(
    ("main", "sub", "expected"),
    [
        ("InTransit", "InTransit_CustomsProcessing", S.CUSTOMS_PROCESSING),
        ("InTransit", "InTransit_CustomsReleased", S.CUSTOMS_RELEASED),
        ("InTransit", "InTransit_CustomsRequiringInformation", S.CUSTOMS_ACTION_REQUIRED),
        ("Exception", "Exception_Returned", S.RETURNING),
        ("DeliveryFailure", "DeliveryFailure_NoBody", S.DELIVERY_FAILED),
        ("InTransit", "InTransit_Teleported", S.IN_TRANSIT),  # newer sub-status: main decides
        ("Teleported", "", None),  # unknown: no status, the provider's kept
    ],
)
def test_status_table(main: str, sub: str, expected: S | None) -> None:
    assert status(main, sub) is expected
