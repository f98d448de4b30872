"""Personal data (addresses, phones, names, e-mails) encrypted at rest, and masked for display.

Why this shape:
- AES-256-GCM is authenticated: a changed byte, a value from another column or a value sealed with
  a key we do not hold is refused (`Undecryptable`), never decrypted into garbage.
- Each stored value names the key that sealed it (`v1.<kid>.<urlsafe-b64(nonce|ciphertext|tag)>`),
  so keys rotate without a flag day: DATA_KEY lists keys, the first seals, every one opens, and
  `reencrypt` moves old values to the first key before an old key is dropped.
- The caller's context string ("orders.address") is the associated data: a ciphertext copied into
  another column does not open there.
- A random 96-bit nonce per value; at the volumes of a shop the birthday bound (2^32 values per
  key) is far away, and rotation resets it anyway.

The process keyring is set once at start with `use(load_keyring(settings))`; the `Encrypted`
column type reads it. Encrypted columns cannot be compared in SQL (each seal differs); look rows up
by their other columns.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, Text, bindparam, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator

from bot.config import ConfigError, Settings

log = logging.getLogger(__name__)

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
LOCAL_KEY_FILE = ".shopbot-data-key"
KID_RE = re.compile(r"[A-Za-z0-9_-]{1,16}")
KEY_RE = re.compile(r"[A-Za-z0-9_-]{43}=?")  # 32 bytes in urlsafe base64, padding optional
B64_RE = re.compile(r"[A-Za-z0-9_-]+")
EXPECTED = (
    "expected kid:key[,kid:key...], each key 32 bytes in urlsafe base64, the first sealing "
    "(generate one with `shopbot data-key`)"
)


class Undecryptable(Exception):
    """A stored value cannot be opened: unknown key id, altered bytes, or another column's value."""


class NoKeyring(RuntimeError):
    """An encrypted column was used before `bot.crypto.use(keyring)` was called."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Keyring:
    """Named AES-256 keys: the first seals, all of them open."""

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("a keyring needs at least one key")
        self._aead: dict[str, AESGCM] = {}
        for kid, key in keys:
            if not KID_RE.fullmatch(kid) or kid in self._aead or len(key) != KEY_BYTES:
                raise ValueError("each key needs a unique id of A-Z a-z 0-9 _ - and 32 bytes")
            self._aead[kid] = AESGCM(key)
        self.current = keys[0][0]

    @classmethod
    def parse(cls, text: str, source: str = "DATA_KEY") -> Keyring:
        """Read `kid:key,kid:key` (a bare key is "k1"); ConfigError names `source`, never a key."""
        entries = [part.strip() for part in text.split(",")]
        if not any(entries):
            raise ConfigError(f"configuration error: {source}: empty; {EXPECTED}")
        keys: list[tuple[str, bytes]] = []
        for n, entry in enumerate(entries, 1):
            kid, sep, key = entry.rpartition(":")
            kid = kid.strip() if sep else "k1"
            key = key.strip()
            where = f"entry {n}" if len(entries) > 1 else "the value"
            if not KID_RE.fullmatch(kid):
                raise ConfigError(
                    f"configuration error: {source}: {where} has a key id that is not 1-16 "
                    f"characters of A-Z a-z 0-9 _ -; {EXPECTED}"
                )
            if not KEY_RE.fullmatch(key):
                raise ConfigError(
                    f"configuration error: {source}: {where} is not a 32-byte urlsafe-base64 key; "
                    f"{EXPECTED}"
                )
            if any(kid == seen for seen, _ in keys):
                raise ConfigError(
                    f"configuration error: {source}: {where} repeats key id {kid}; {EXPECTED}"
                )
            keys.append((kid, _b64decode(key.rstrip("="))))
        return cls(keys)

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(self._aead)

    def __repr__(self) -> str:
        return f"Keyring(kids={list(self._aead)!r})"

    def seal(self, plaintext: str, context: str) -> str:
        """`plaintext` encrypted under the current key, bound to `context`."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self.current].encrypt(
            nonce, plaintext.encode("utf-8"), _aad(self.current, context)
        )
        return f"{VERSION}.{self.current}.{_b64encode(nonce + sealed)}"

    def open(self, token: str, context: str) -> str:
        """The plaintext of `token`; Undecryptable unless our keys sealed it for `context`."""
        kid, blob = _split(token)
        aead = self._aead.get(kid)
        if aead is None:
            raise Undecryptable(f"sealed with key id {kid}, which this keyring (DATA_KEY) lacks")
        try:
            plain = aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(kid, context))
        except InvalidTag:
            raise Undecryptable(f"altered, or not sealed for {context!r}") from None
        return plain.decode("utf-8")

    def seal_json(self, value: Any, context: str) -> str:
        """`value` (a dict, a str, any JSON value) as JSON, sealed."""
        return self.seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")), context)

    def open_json(self, token: str, context: str) -> Any:
        return json.loads(self.open(token, context))

    def needs_rotation(self, token: str) -> bool:
        """Whether `token` was sealed by anything other than the current key and format."""
        return not token.startswith(f"{VERSION}.{self.current}.")

    def generate_key(self) -> str:
        """A new `kid:key` line with an id not in this keyring: put it first in DATA_KEY."""
        numbers = [int(kid[1:]) for kid in self._aead if re.fullmatch(r"k\d{1,6}", kid)]
        n = max(numbers, default=0) + 1
        while f"k{n}" in self._aead:
            n += 1
        return generate_key(f"k{n}")


def generate_key(kid: str = "k1") -> str:
    """A new random `kid:key` line for DATA_KEY."""
    if not KID_RE.fullmatch(kid):
        raise ValueError("a key id is 1-16 characters of A-Z a-z 0-9 _ -")
    return f"{kid}:{_b64encode(secrets.token_bytes(KEY_BYTES))}"


def _aad(kid: str, context: str) -> bytes:
    return f"{VERSION}.{kid}.{context}".encode()


def _split(token: str) -> tuple[str, bytes]:
    if not isinstance(token, str):
        raise Undecryptable("not a sealed value")
    version, _, rest = token.partition(".")
    kid, _, body = rest.partition(".")
    if version != VERSION or not KID_RE.fullmatch(kid) or not B64_RE.fullmatch(body):
        raise Undecryptable("not a sealed value")
    try:
        blob = _b64decode(body)
    except ValueError:
        raise Undecryptable("not a sealed value") from None
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise Undecryptable("truncated")
    return kid, blob


# --- keys at start ---------------------------------------------------------------------------


def payments_configured(settings: Settings) -> bool:
    return any(
        _secret(value)
        for value in (settings.stripe_secret_key, settings.telegram_payment_provider_token)
    )


def require_data_key(settings: Settings) -> None:
    """Refuse to start when payments are configured without DATA_KEY; check DATA_KEY's form."""
    data_key = _secret(settings.data_key)
    if data_key:
        Keyring.parse(data_key)
    elif payments_configured(settings):
        raise ConfigError(
            "configuration error: DATA_KEY: required when payments are configured; "
            "generate one with `shopbot data-key`"
        )


def load_keyring(
    settings: Settings, local_path: str | os.PathLike[str] = LOCAL_KEY_FILE
) -> Keyring:
    """DATA_KEY's keyring, or without it the local key file's (made on first use)."""
    data_key = _secret(settings.data_key)
    return Keyring.parse(data_key) if data_key else local_keyring(local_path)


def local_keyring(path: str | os.PathLike[str] = LOCAL_KEY_FILE) -> Keyring:
    """The playground's key: generated once into `path` (mode 0600, atomically), then reused.

    The key is written to a private temporary file and hard-linked into place, so a concurrent
    start either creates the file or reads the complete one another process created.
    """
    target = Path(path)
    if not target.exists():
        _create_key_file(target)
    mode = target.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning("%s was readable by others (mode %o); now 0600", target, mode)
        target.chmod(0o600)
    return Keyring.parse(target.read_text(encoding="ascii").strip(), source=str(target))


def _create_key_file(target: Path) -> None:
    tmp = target.with_name(f"{target.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (generate_key() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, target)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        tmp.unlink()


def _secret(value: Any) -> str:
    if value is None:
        return ""
    getter = getattr(value, "get_secret_value", None)
    return str(getter() if getter else value).strip()


# --- the process keyring and the column type ---------------------------------------------------

_keyring: Keyring | None = None


def use(keyring: Keyring | None) -> Keyring | None:
    """Set the keyring `Encrypted` columns use in this process; returns the previous one."""
    global _keyring
    previous, _keyring = _keyring, keyring
    return previous


def in_use() -> bool:
    """Whether this process has a keyring set (by `use`)."""
    return _keyring is not None


def current() -> Keyring:
    if _keyring is None:
        raise NoKeyring(
            "no data key in use: call bot.crypto.use(bot.crypto.load_keyring(settings)) at start"
        )
    return _keyring


class Encrypted(TypeDecorator[Any]):
    """A dict or str column stored as sealed text, bound to `context` (e.g. "orders.address").

    Assign a new dict to change one: changes made inside a loaded dict are not tracked.
    """

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, dict | str):
            raise TypeError(f"{self.context}: an encrypted column holds a dict or a str")
        return current().seal_json(value, self.context)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        return current().open_json(value, self.context)


async def reencrypt(
    session: AsyncSession,
    model_column_pairs: Iterable[tuple[Any, Any]],
    keyring: Keyring,
    *,
    batch_size: int = 500,
) -> int:
    """Re-seal under the current key every value sealed by another; returns how many.

    Pairs are (model, Model.column) with an `Encrypted` column and a one-column primary key.
    Values move in batches in the caller's transaction (this never commits); rows already loaded
    into `session` keep their old text until refreshed.
    """
    total = 0
    for _model, attribute in model_column_pairs:
        column = attribute.expression if hasattr(attribute, "expression") else attribute
        if not isinstance(column.type, Encrypted):
            raise TypeError(f"{column} is not an Encrypted column")
        total += await _reencrypt_column(session, column, column.type.context, keyring, batch_size)
    return total


async def _reencrypt_column(
    session: AsyncSession, column: Column[Any], context: str, keyring: Keyring, batch_size: int
) -> int:
    table = column.table
    (pk,) = table.primary_key.columns  # one-column primary keys only
    raw = type_coerce(column, Text)  # the stored text, not run through Encrypted
    fresh = raw.startswith(f"{VERSION}.{keyring.current}.", autoescape=True)
    stmt = (
        update(table)
        .where(pk == bindparam("_pk"))
        .values({column.name: bindparam("_sealed", type_=Text)})
    )
    done, last = 0, None
    while True:
        query = select(pk, raw).where(raw.is_not(None), ~fresh).order_by(pk).limit(batch_size)
        if last is not None:
            query = query.where(pk > last)
        rows = (await session.execute(query)).all()
        if not rows:
            return done
        params = [
            {"_pk": key, "_sealed": keyring.seal(keyring.open(text, context), context)}
            for key, text in rows
        ]
        await session.execute(stmt, params)
        done += len(params)
        last = rows[-1][0]


# --- masking for display -----------------------------------------------------------------------

MAX_SHOWN = 40
STREET_KEYS = ("line1", "street_line1", "street", "address_line1")
NAME_KEYS = ("name", "recipient", "full_name")
# ITU calling codes are prefix-free: these are the one- and two-digit ones, every other is three.
SHORT_CODES = frozenset(
    "1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 "
    "62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98".split()
)


def _clean(value: Any) -> str:
    """Printable single-line text of a str or int field ("" for anything else)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    text = str(value)[: MAX_SHOWN * 8]
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return " ".join(text.split())


def _shown(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _reduce(text: str, keep: int) -> str:
    """The first `keep` letters or digits of the first word, then *** for the rest."""
    words = text.split()
    if not words:
        return ""
    head = ""
    for ch in words[0]:
        if len(head) == keep or not ch.isalnum():
            break
        head += ch
    return f"{head}***" + (" ***" if len(words) > 1 else "")


def _first(address: Mapping[str, Any], keys: Iterable[str]) -> str:
    return next((text for key in keys if (text := _clean(address.get(key)))), "")


def mask_address(address: Mapping[str, Any] | None) -> str:
    """ "DE, Berlin, Ka*** ***, J*** ***": country and city shown, street and name reduced."""
    if not isinstance(address, Mapping):
        return ""
    nested = address.get("address")
    fields = {**address, **nested} if isinstance(nested, Mapping) else dict(address)
    country = _first(fields, ("country", "country_code")).upper()
    parts = [
        country if re.fullmatch(r"[A-Z]{2}", country) else "",
        _shown(_first(fields, ("city",))),
        _reduce(_first(fields, STREET_KEYS), 2),
        _reduce(_first(fields, NAME_KEYS), 1),
    ]
    return ", ".join(part for part in parts if part)


def mask_phone(phone: str | None) -> str:
    """ "+49 *** *** 67": the calling code and the last two digits."""
    text = _clean(phone)
    if not text:
        return ""
    if text.startswith("00"):
        text = "+" + text[2:]
    digits = "".join(ch for ch in text if ch in "0123456789")
    if len(digits) < 6 or len(digits) > 20 or re.search(r"[^0-9+()\s./-]", text):
        return "***"
    if not text.startswith("+"):
        return f"*** *** {digits[-2:]}"
    code = digits[:1] if digits[:1] in SHORT_CODES else digits[:2]
    code = code if code in SHORT_CODES else digits[:3]
    return f"+{code} *** *** {digits[-2:]}"


def mask_email(email: str | None) -> str:
    """ "j***@e***.com": the first letter of the name and of the domain, and the last label."""
    text = _clean(email)
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain:
        return "***" if text else ""
    tld = domain.rsplit(".", 1)[1]
    tld = tld if re.fullmatch(r"[A-Za-z]{2,24}", tld) else "***"
    return f"{_reduce(local, 1)}@{_reduce(domain, 1)}.{tld}"
