"""One Settings object, read once from the environment and a `.env` file.

Names are the runtime contract in DESIGN.md. A missing or malformed value stops start-up with one
line naming the variable (see `load_settings`), never a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from decimal import Decimal
from functools import lru_cache
from typing import Annotated

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot import regions

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///shopbot.db"
TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{10,}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Telegram's overall limits: ~30 messages a second, 1,000 with paid broadcast.
MAX_MESSAGES_PER_SECOND = 30
MAX_PAID_MESSAGES_PER_SECOND = 1000
HTTP_URL = re.compile(
    r"https?://(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:/[^\s?#]*)?(?:\?[^\s#]*)?"
)


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = Field(default="https://api.telegram.org/bot", min_length=8)
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    # Paid broadcast (allow_paid_broadcast, 0.1 Star a message): alerts may go out at up to
    # 1,000 a second; without it Telegram allows about 30 messages a second in all.
    telegram_paid_broadcast: bool = False
    # The pacer's overall rate for sent messages (bot/telegram/pacer.py); declared after
    # telegram_paid_broadcast, whose value its validator reads.
    telegram_messages_per_second: float = 30
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    public_base_url: str | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    data_key: SecretStr | None = None
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None
    # Telegram's native invoices instead of a Stripe link (a provider token from @BotFather).
    telegram_payment_provider_token: SecretStr | None = None
    # The operator's shipping lines, fees and duties (default: bot/data/shipping.toml).
    shipping_rates_file: str | None = None
    # A live price this much above the paid one (percent) asks the shopper to pay the
    # difference or cancel with a full refund.
    price_rise_tolerance_percent: int = Field(default=5, ge=0, le=100)
    # Community admins' share of what their deals' orders paid (refunds deducted).
    deal_commission_percent: Decimal = Field(default=Decimal("5"), ge=0, le=100)
    default_currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
    sync_sources: Annotated[tuple[str, ...], NoDecode] = ()
    sync_interval_minutes: int = Field(default=360, ge=1, le=10080)
    # Languages product titles are translated into when a provider is configured (DEEPL_AUTH_KEY
    # or LIBRETRANSLATE_URL): en, ru, pt_BR, zh_Hant ...
    translate_languages: Annotated[tuple[str, ...], NoDecode] = ("en", "ru")

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value():
            return None
        if v is not None and not TOKEN_RE.match(v.get_secret_value()):
            raise ValueError("expected the form 123456789:AAE... given by @BotFather")
        return v

    @field_validator("telegram_messages_per_second")
    @classmethod
    def _messages_per_second(cls, v: float, info: ValidationInfo) -> float:
        paid = bool(info.data.get("telegram_paid_broadcast"))
        top = MAX_PAID_MESSAGES_PER_SECOND if paid else MAX_MESSAGES_PER_SECOND
        if not 1 <= v <= top:
            more = "" if paid else " (up to 1000 with TELEGRAM_PAID_BROADCAST=true)"
            raise ValueError(f"between 1 and {top} messages a second{more}")
        return v

    @field_validator("default_currency")
    @classmethod
    def _offered_currency(cls, v: str) -> str:
        if not regions.is_currency(v):
            raise ValueError(
                f"one of the currencies the bot offers: {', '.join(regions.CURRENCIES)}"
            )
        return v

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_shape(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not SECRET_RE.match(v.get_secret_value()):
            raise ValueError("1-256 characters of A-Z, a-z, 0-9, _ and -")
        return v

    @field_validator(
        "telegram_api_base_url", "telegram_webhook_url", "public_base_url", "stripe_api_base"
    )
    @classmethod
    def _http_url(cls, v: str | None) -> str | None:
        if not v:
            return None
        if not HTTP_URL.fullmatch(v):
            raise ValueError("expected an http:// or https:// URL (no spaces, a host name)")
        return v.rstrip("/")

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        assert v is not None
        if not re.match(r"^(redis|rediss|unix)://", v):
            raise ValueError("expected redis://host:port/db")
        return v

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, v: str) -> str:
        try:
            url = make_url(v)
        except ArgumentError:
            raise ValueError("not a database URL") from None
        if url.drivername == "postgresql" or url.drivername == "postgres":
            url = url.set(drivername="postgresql+asyncpg")
        if url.drivername == "sqlite":
            url = url.set(drivername="sqlite+aiosqlite")
        if url.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise ValueError("use sqlite+aiosqlite:///file.db or postgresql+asyncpg://...")
        return url.render_as_string(hide_password=False)

    @field_validator("sync_sources", "translate_languages", mode="before")
    @classmethod
    def _split_sources(cls, v: object) -> object:
        if isinstance(v, str):
            return tuple(p for p in re.split(r"[,\s]+", v) if p)
        return v

    @field_validator("translate_languages")
    @classmethod
    def _languages(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        codes = tuple(code.replace("-", "_") for code in v)
        bad = [c for c in codes if not re.fullmatch(r"[a-z]{2}(_(?:[A-Z]{2}|[A-Z][a-z]{3}))?", c)]
        if bad:
            raise ValueError(f"language codes like en,ru,pt_BR,zh_Hant (not {', '.join(bad)})")
        return codes

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, v: object) -> object:
        if isinstance(v, str):
            parts = [p for p in re.split(r"[,\s]+", v) if p]
            if not all(re.fullmatch(r"-?\d+", p) for p in parts):
                raise ValueError("expected Telegram user ids separated by commas")
            return frozenset(int(p) for p in parts)
        return v

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def webhook_secret(self) -> str:
        """The secret Telegram must echo; derived from the token when not configured.

        Derived, not random, so every process of a scaled-out deployment agrees on it.
        """
        if self.telegram_webhook_secret is not None:
            return self.telegram_webhook_secret.get_secret_value()
        token = self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else ""
        return hmac.new(token.encode(), b"shopbot-webhook", hashlib.sha256).hexdigest()


def provider_env(env_file: str | None = ".env") -> dict[str, str]:
    """Every variable integrations may read (<PROVIDER>_...): `.env` first, the environment wins."""
    values: dict[str, str] = {}
    if env_file and os.path.exists(env_file):
        values |= {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    return values | dict(os.environ)


def describe_error(exc: ValidationError) -> str:
    """One line naming the first offending variable and what is expected."""
    err = exc.errors()[0]
    name = str(err["loc"][0]).upper() if err["loc"] else "configuration"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"configuration error: {name}: {msg}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings for this process, read once; raises ConfigError with a one-line message."""
    return load_settings()


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe_error(exc)) from None
