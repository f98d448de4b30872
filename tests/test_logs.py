"""No secret in any log line or error message, at any level."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot import logs
from bot.config import load_settings

TOKEN = "123456789:AAEhBP0av28-secret-token-value_xyz"


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Logging as `shopbot` configures it (DEBUG), into a buffer; restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, dict(logs.CEILINGS))
    monkeypatch.setattr(logs, "_secrets", [])
    settings = load_settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        telegram_webhook_secret="hook-s3cret",
        log_level="DEBUG",
        database_url="postgresql+asyncpg://shop:db-passw0rd@db.example/shop",
    )
    logs.configure(settings, {"TAOBAO_APP_SECRET": "tb-s3cret-value", "TAOBAO_APP_KEY": "12345678"})
    buffer = io.StringIO()
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    root.handlers[:], level = saved[0], saved[1]
    root.setLevel(level)


def test_secrets_never_reach_a_log_line(captured: io.StringIO) -> None:
    log = logging.getLogger("shopbot.test")
    log.debug("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    log.info("secret %s, key %s", "hook-s3cret", "tb-s3cret-value")
    log.info("connecting to postgresql://shop:db-passw0rd@db.example/shop")
    log.info("some other url https://ann:other-pass@feed.example/f.xml")
    try:
        raise RuntimeError(f"failed with token {TOKEN}")
    except RuntimeError:
        log.exception("it broke")
    text = captured.getvalue()
    for secret in (
        TOKEN,
        "AAEhBP0av28",
        "hook-s3cret",
        "tb-s3cret-value",
        "db-passw0rd",
        "other-pass",
    ):
        assert secret not in text
    assert "it broke" in text and "RuntimeError: failed with token ***" in text
    assert "postgresql://shop:***@db.example/shop" in text


def test_libraries_stay_quiet_about_updates_and_sql_at_debug(captured: io.StringIO) -> None:
    logging.getLogger("telegram.ext.Application").debug("Processing update {'text': 'my address'}")
    logging.getLogger("sqlalchemy.engine.Engine").info("[generated] ('my address',)")
    logging.getLogger("shopbot.test").debug("our own debug line")
    text = captured.getvalue()
    assert "my address" not in text and "our own debug line" in text


def test_an_error_message_on_the_command_line_is_redacted(
    captured: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import fail

    fail(f"error: cannot reach Telegram at https://x/bot{TOKEN}/getMe", 1)
    assert TOKEN not in capsys.readouterr().err
