"""The process's logging: one format, libraries kept to what an operator needs, and no secret
in any line at any level.

Every line is redacted as it is formatted (message and traceback alike): the values of the
settings and provider variables that are secrets, anything shaped like a bot token, and the
password part of URLs. Libraries that would log whole updates (python-telegram-bot) or SQL
parameters (SQLAlchemy) stay at INFO and WARNING whatever LOG_LEVEL says; engines hide their
parameters from error messages too (bot/db.py).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config import Settings

REDACTED = "***"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Provider variables whose values are secrets: ..._KEY, ..._SECRET, ..._TOKEN, ..._PASSWORD.
SECRET_NAME = re.compile(r"(?:KEY|SECRET|TOKEN|PASSWORD|PASS|SESSION|AUTH)(?:_|$)")
BOT_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}")
URL_PASSWORD = re.compile(r"(?<=://)([^/@\s:]*):[^/@\s]*@")
# The most a library may say, whatever LOG_LEVEL: updates, requests and SQL carry people's data.
CEILINGS = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "aiohttp.access": logging.WARNING,
    "sqlalchemy": logging.WARNING,
    "alembic.runtime.migration": logging.WARNING,
    "asyncio": logging.INFO,
    "stripe": logging.WARNING,  # its DEBUG and INFO lines carry request bodies: shoppers' data
}

_secrets: list[str] = []


def redact(text: str) -> str:
    """`text` without any known secret, bot token or URL password."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return URL_PASSWORD.sub(rf"\1:{REDACTED}@", BOT_TOKEN.sub(REDACTED, text))


def remember(values: Iterable[str]) -> None:
    """Add secrets to redact (only values long enough not to redact common words)."""
    found = {v for v in values if v and len(v) >= 6} | set(_secrets)
    _secrets[:] = sorted(found, key=len, reverse=True)


def secrets_of(settings: Settings, env: Mapping[str, str]) -> list[str]:
    values = [
        secret.get_secret_value()
        for secret in (
            settings.telegram_bot_token,
            settings.telegram_webhook_secret,
            settings.data_key,
            settings.stripe_secret_key,
            settings.stripe_webhook_secret,
        )
        if secret is not None
    ]
    values.append(settings.webhook_secret())
    values += [value for name, value in env.items() if SECRET_NAME.search(name.upper())]
    for url in (settings.database_url, settings.redis_url):
        password = _password(url)
        if password:
            values.append(password)
    return values


def _password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        password = make_url(url).password
    except ArgumentError:
        return None
    return str(password) if password else None


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(settings: Settings, env: Mapping[str, str], *, to_file: str | None = None) -> None:
    """Log to stderr (or append to `to_file`) at LOG_LEVEL, every line redacted, libraries
    under their ceilings."""
    remember(secrets_of(settings, env))
    handler: logging.Handler = (
        logging.FileHandler(to_file, encoding="utf-8")
        if to_file
        else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(RedactingFormatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    level = logging.getLevelName(settings.log_level)
    for name, ceiling in CEILINGS.items():
        logging.getLogger(name).setLevel(max(level, ceiling))
