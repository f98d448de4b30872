"""Personal data at rest: sealing, keys and their rotation, the column type on a real SQLite
table, the local key file, the start-up rule for DATA_KEY, and masking."""

from __future__ import annotations

import base64
import os
import stat
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Integer, String, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot import crypto
from bot.config import ConfigError, Settings, load_settings
from bot.crypto import Encrypted, Keyring, Undecryptable
from bot.db import create_engine

K1 = crypto.generate_key("k1")
K2 = crypto.generate_key("k2")
STANDARD_B64 = base64.b64encode(b"\xfb" * 32).decode()  # + and /, not urlsafe
ADDRESS = {
    "name": "Jürgen Müller",
    "line1": "Karl-Marx-Allee 93",
    "city": "Berlin",
    "postal_code": "10243",
    "country": "DE",
}


def key_text(line: str) -> str:
    return line.split(":", 1)[1]


@pytest.fixture(autouse=True)
def _no_process_keyring() -> Iterator[None]:
    previous = crypto.use(None)
    yield
    crypto.use(previous)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.delenv("TELEGRAM_PAYMENT_PROVIDER_TOKEN", raising=False)


# --- sealing -------------------------------------------------------------------------------------


def test_round_trip_keeps_text_and_hides_it() -> None:
    ring = Keyring.parse(K1)
    plain = "Jürgen, Karl-Marx-Allee 93 🏠 " + "x" * 5000
    token = ring.seal(plain, "orders.address")
    assert token.startswith("v1.k1.")
    assert "Karl" not in token and "xxxx" not in token
    assert ring.open(token, "orders.address") == plain
    assert ring.seal(plain, "orders.address") != token  # a fresh nonce each time


def test_json_helpers_round_trip_dicts_and_strings() -> None:
    ring = Keyring.parse(K1)
    assert ring.open_json(ring.seal_json(ADDRESS, "orders.address"), "orders.address") == ADDRESS
    assert ring.open_json(ring.seal_json("+491701234567", "orders.phone"), "orders.phone") == (
        "+491701234567"
    )


def _reencode(token: str, blob: bytes) -> str:
    head = token.rsplit(".", 1)[0]
    return f"{head}.{base64.urlsafe_b64encode(blob).rstrip(b'=').decode()}"


def test_any_altered_byte_is_refused() -> None:
    ring = Keyring.parse(K1)
    token = ring.seal("Karl-Marx-Allee 93", "orders.address")
    blob = base64.urlsafe_b64decode(token.rsplit(".", 1)[1] + "==")
    for i in range(len(blob)):
        altered = bytearray(blob)
        altered[i] ^= 0x01
        with pytest.raises(Undecryptable):
            ring.open(_reencode(token, bytes(altered)), "orders.address")
    with pytest.raises(Undecryptable):
        ring.open(_reencode(token, blob[:-1]), "orders.address")


def test_value_from_another_context_is_refused() -> None:
    ring = Keyring.parse(K1)
    token = ring.seal("Karl-Marx-Allee 93", "orders.address")
    with pytest.raises(Undecryptable) as info:
        ring.open(token, "users.address")
    assert "Karl" not in str(info.value)


@pytest.mark.parametrize(
    "token",
    ["", "v1", "v1.k1.", "v1.k1.!!!!", "v2.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
     "plain address", "v1.k1.AAAA", "v1.a.b.c"],
)  # fmt: skip
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(Undecryptable):
        Keyring.parse(K1).open(token, "orders.address")


def test_unknown_key_id_is_refused() -> None:
    token = Keyring.parse(K2).seal("secret street", "orders.address")
    with pytest.raises(Undecryptable, match="k2"):
        Keyring.parse(K1).open(token, "orders.address")


def test_a_key_with_another_id_does_not_open_a_value() -> None:
    """The key id is bound into the associated data: relabelling a token does not help."""
    ring = Keyring.parse(f"{K1},k9:{key_text(K1)}")
    token = ring.seal("secret street", "orders.address")
    with pytest.raises(Undecryptable):
        ring.open(token.replace("v1.k1.", "v1.k9.", 1), "orders.address")


def test_rotation_old_values_open_and_are_flagged() -> None:
    old = Keyring.parse(K1).seal("secret street", "orders.address")
    rotated = Keyring.parse(f"{K2},{K1}")
    assert rotated.current == "k2" and rotated.kids == ("k2", "k1")
    assert rotated.open(old, "orders.address") == "secret street"
    assert rotated.needs_rotation(old)
    fresh = rotated.seal("secret street", "orders.address")
    assert fresh.startswith("v1.k2.") and not rotated.needs_rotation(fresh)


def test_generated_keys_parse_and_take_the_next_id() -> None:
    ring = Keyring.parse(f"{K2},{K1}")
    line = ring.generate_key()
    assert line.startswith("k3:")
    assert len(base64.urlsafe_b64decode(key_text(line) + "=")) == 32
    assert Keyring.parse(f"{line},{K2},{K1}").current == "k3"
    assert crypto.generate_key() != crypto.generate_key()


def test_a_bare_key_is_k1_and_padding_and_spaces_are_accepted() -> None:
    bare = key_text(K1)
    token = Keyring.parse(bare).seal("x", "c")
    assert token.startswith("v1.k1.")
    assert Keyring.parse(f" {K2} , {K1}= ").open(token, "c") == "x"


@pytest.mark.parametrize(
    "value",
    [
        "",
        " , ",
        "k1:",
        f"k1:{key_text(K1)[:-2]}",  # 31 bytes
        f"k1:{base64.urlsafe_b64encode(os.urandom(33)).decode()}",
        "k1:" + STANDARD_B64,
        f"k1:{key_text(K1)[:-1]}$",
        f"{key_text(K2)}:{key_text(K1)}",  # a key where the id goes
        f"k.1:{key_text(K1)}",
        f"{K1},{K1}",
        f"{K2},k1:{key_text(K1)[:20]}",
        f"{K1},",
    ],
)
def test_malformed_data_key_is_one_line_without_the_key(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        Keyring.parse(value)
    message = str(info.value)
    assert message.startswith("configuration error: DATA_KEY: ")
    assert "\n" not in message and "shopbot data-key" in message
    secrets_given = [key_text(K1), key_text(K2), *value.replace(",", ":").split(":")]
    for secret in secrets_given:
        for i in range(len(secret) - 7):
            assert secret[i : i + 8] not in message


# --- the column type on a real table -----------------------------------------------------------


class _Base(DeclarativeBase):
    pass


class Shipment(_Base):
    __tablename__ = "crypto_test_shipments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(20))
    address: Mapped[dict[str, Any] | None] = mapped_column(Encrypted("shipments.address"))
    phone: Mapped[str | None] = mapped_column(Encrypted("shipments.phone"))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'crypto.db'}")
    async with eng.begin() as conn:
        await conn.run_sync(_Base.metadata.create_all)
    yield eng
    await eng.dispose()


async def test_column_stores_ciphertext_and_reads_plaintext(engine: AsyncEngine) -> None:
    crypto.use(Keyring.parse(K1))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions.begin() as session:
        session.add(Shipment(id=1, label="a", address=ADDRESS, phone="+491701234567"))
        session.add(Shipment(id=2, label="b", address=None, phone=None))
    async with engine.connect() as conn:
        raw = (
            await conn.execute(
                text("SELECT address, phone FROM crypto_test_shipments WHERE id = 1")
            )
        ).one()
        empty = (
            await conn.execute(
                text("SELECT address, phone FROM crypto_test_shipments WHERE id = 2")
            )
        ).one()
    assert raw.address.startswith("v1.k1.") and raw.phone.startswith("v1.k1.")
    for plain in ("Karl", "Berlin", "10243", "Jürgen", "Müller", "J\\u00fc"):
        assert plain not in raw.address
    assert "1701234567" not in raw.phone and "4917" not in raw.phone
    assert tuple(empty) == (None, None)
    async with sessions() as session:
        row = await session.get(Shipment, 1)
        assert row is not None
        assert row.address == ADDRESS and row.phone == "+491701234567"


async def test_value_moved_to_another_column_does_not_open(engine: AsyncEngine) -> None:
    crypto.use(Keyring.parse(K1))
    sessions = async_sessionmaker(engine)
    async with sessions.begin() as session:
        session.add(Shipment(id=1, label="a", address=ADDRESS, phone="+491701234567"))
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE crypto_test_shipments SET phone = address"))
    async with sessions() as session:
        with pytest.raises(Undecryptable):
            await session.scalar(select(Shipment.phone))


async def test_column_without_a_keyring_or_with_a_wrong_type_says_so(engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(engine)
    assert not crypto.in_use()
    with pytest.raises(StatementError, match=r"crypto\.use"):
        async with sessions.begin() as session:
            session.add(Shipment(id=1, label="a", address=ADDRESS))
    crypto.use(Keyring.parse(K1))
    assert crypto.in_use()
    with pytest.raises(StatementError, match="dict or a str"):
        async with sessions.begin() as session:
            session.add(Shipment(id=1, label="a", phone=4917012345))


async def test_reencrypt_moves_old_values_to_the_new_key(engine: AsyncEngine) -> None:
    crypto.use(Keyring.parse(K1))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions.begin() as session:
        for i in range(1, 8):
            session.add(
                Shipment(id=i, label=str(i), address={**ADDRESS, "n": i}, phone=f"+4917{i}")
            )
        session.add(Shipment(id=8, label="none", address=None, phone=None))

    rotated = Keyring.parse(f"{K2},{K1}")
    crypto.use(rotated)
    async with sessions.begin() as session:
        session.add(Shipment(id=9, label="new", address=ADDRESS, phone="+4917999"))
    async with sessions.begin() as session:
        pairs = [(Shipment, Shipment.address), (Shipment, Shipment.phone)]
        moved = await crypto.reencrypt(session, pairs, rotated, batch_size=3)
    assert moved == 14  # 7 rows x 2 columns; row 8 is NULL, row 9 already under k2
    async with sessions.begin() as session:
        assert await crypto.reencrypt(session, pairs, rotated) == 0

    async with engine.connect() as conn:
        raws = (
            await conn.execute(
                text("SELECT address, phone FROM crypto_test_shipments WHERE address IS NOT NULL")
            )
        ).all()
    assert raws and all(a.startswith("v1.k2.") and p.startswith("v1.k2.") for a, p in raws)

    crypto.use(Keyring.parse(K2))  # k1 dropped: everything still opens
    async with sessions() as session:
        rows = (await session.scalars(select(Shipment).order_by(Shipment.id))).all()
    assert [r.address and r.address.get("n") for r in rows[:7]] == list(range(1, 8))
    assert [r.phone for r in rows[:7]] == [f"+4917{i}" for i in range(1, 8)]
    assert rows[7].address is None and rows[8].address == ADDRESS


async def test_reencrypt_refuses_a_plain_column(engine: AsyncEngine) -> None:
    async with async_sessionmaker(engine)() as session:
        with pytest.raises(TypeError, match="not an Encrypted column"):
            await crypto.reencrypt(session, [(Shipment, Shipment.label)], Keyring.parse(K1))


# --- keys at start -------------------------------------------------------------------------------


def test_local_keyring_creates_a_private_file_once_and_reuses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / ".shopbot-data-key"
    old_umask = os.umask(0)
    try:
        first = crypto.local_keyring(path)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_text()
    second = crypto.local_keyring(path)
    assert path.read_text() == content
    assert second.open(first.seal("street", "c"), "c") == "street"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    out = capsys.readouterr()
    assert key_text(content.strip()) not in out.out + out.err


def test_local_keyring_tightens_a_loose_file(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text(K1 + "\n")
    path.chmod(0o644)
    ring = crypto.local_keyring(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ring.open(Keyring.parse(K1).seal("x", "c"), "c") == "x"


def test_local_keyring_concurrent_starts_agree(tmp_path: Path) -> None:
    path = tmp_path / "key"
    rings: list[Keyring] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        rings.append(crypto.local_keyring(path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    token = rings[0].seal("street", "c")
    assert all(r.open(token, "c") == "street" for r in rings)
    assert len(list(tmp_path.iterdir())) == 1


def test_malformed_local_key_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text("k1:tooshort\n")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match=f"configuration error: {path}: "):
        crypto.local_keyring(path)


def test_load_keyring_prefers_data_key_and_otherwise_the_local_file(tmp_path: Path) -> None:
    path = tmp_path / "key"
    ring = crypto.load_keyring(load_settings(_env_file=None, data_key=f"{K2},{K1}"), path)
    assert ring.current == "k2" and not path.exists()
    local = crypto.load_keyring(load_settings(_env_file=None), path)
    assert path.exists() and local.kids == ("k1",)


def test_payments_without_data_key_refuse_to_start() -> None:
    settings = load_settings(_env_file=None, stripe_secret_key="sk_test_123")
    with pytest.raises(ConfigError) as info:
        crypto.require_data_key(settings)
    assert str(info.value) == (
        "configuration error: DATA_KEY: required when payments are configured; "
        "generate one with `shopbot data-key`"
    )
    telegram_only = load_settings(_env_file=None, telegram_payment_provider_token="1:TEST:x")
    with pytest.raises(ConfigError, match="DATA_KEY: required"):
        crypto.require_data_key(telegram_only)


def test_data_key_present_or_payments_absent_start() -> None:
    crypto.require_data_key(load_settings(_env_file=None))
    crypto.require_data_key(
        load_settings(_env_file=None, stripe_secret_key="sk_test_1", data_key=K1)
    )
    with pytest.raises(ConfigError, match="DATA_KEY: the value is not a 32-byte"):
        crypto.require_data_key(load_settings(_env_file=None, data_key="k1:short"))


# --- masking -------------------------------------------------------------------------------------


def test_masks_show_only_what_identifies_the_place() -> None:
    assert crypto.mask_address(ADDRESS) == "DE, Berlin, Ka*** ***, J*** ***"
    assert crypto.mask_address(
        {"country_code": "de", "city": "Berlin", "street_line1": "Kastanienallee"}
    ) == ("DE, Berlin, Ka***")
    assert crypto.mask_address(
        {
            "name": "Li Wei",
            "address": {"country": "CN", "city": "Shanghai", "line1": "88 Century Ave"},
        }
    ) == ("CN, Shanghai, 88*** ***, L*** ***")
    assert crypto.mask_phone("+491701234567") == "+49 *** *** 67"
    assert crypto.mask_phone("+1 (212) 555-0199") == "+1 *** *** 99"
    assert crypto.mask_phone("00380 44 123 45 67") == "+380 *** *** 67"
    assert crypto.mask_phone("8 916 123-45-67") == "*** *** 67"
    assert crypto.mask_email("john.doe@example.com") == "j***@e***.com"


@pytest.mark.parametrize(
    "address",
    [
        None,
        {},
        {"country": None, "city": None, "line1": None, "name": None},
        {"country": "🇩🇪", "city": "🏙️" * 3000, "line1": "🏠 Straße 1", "name": "👤"},
        {
            "country": "X" * 10_000,
            "city": "B" * 10_000,
            "line1": "K" * 10_000,
            "name": "N" * 10_000,
        },
        {"country": "DE", "city": "Berlin\n<b>\x00evil\u202e", "line1": ["list"], "name": {"x": 1}},
        {"country": 49, "city": True, "line1": 12345, "address": "not a dict"},
        "DE, Berlin",
    ],
)
def test_mask_address_survives_hostile_input(address: Any) -> None:
    shown = crypto.mask_address(address)
    assert len(shown) <= 120
    assert "\n" not in shown and "\x00" not in shown and "\u202e" not in shown
    assert "KKKK" not in shown and "NN" not in shown and "12345" not in shown


def test_mask_address_shortens_a_long_city_and_keeps_the_country_rule() -> None:
    shown = crypto.mask_address({"country": "XX" * 5000, "city": "B" * 10_000})
    assert shown == "B" * 39 + "…"


@pytest.mark.parametrize(
    "phone", [None, "", "abc", "+49", "🙂" * 10_000, "+" + "9" * 10_000, "+49 170 🙂 1234567", "12"]
)
def test_mask_phone_survives_hostile_input(phone: Any) -> None:
    shown = crypto.mask_phone(phone)
    assert shown in ("", "***")


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        (None, ""),
        ("", ""),
        ("not an email", "***"),
        ("@example.com", "***"),
        ("a@localhost", "***"),
        ("🙂@🙂.🙂", "***@***.***"),
        ("x" * 10_000 + "@" + "y" * 10_000 + ".de", "***"),
        ("x" * 64 + "@" + "y" * 180 + ".de", "x***@y***.de"),
        ("Ünal.Öz@müller.de", "Ü***@m***.de"),
    ],
)
def test_mask_email_survives_hostile_input(email: Any, expected: str) -> None:
    assert crypto.mask_email(email) == expected
