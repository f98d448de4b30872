import subprocess
import sys

import pytest

from bot.config import ConfigError, Settings, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite itself may run with DATABASE_URL/REDIS_URL set: these tests need none."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def test_defaults_are_sqlite_and_loopback() -> None:
    s = load_settings(_env_file=None)
    assert s.database_url == "sqlite+aiosqlite:///shopbot.db"
    assert (s.http_host, s.http_port) == ("127.0.0.1", 8080)
    assert s.telegram_api_base_url == "https://api.telegram.org/bot"
    assert s.redis_url is None and s.telegram_bot_token is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HTTP_PORT", "eighty"),
        ("HTTP_PORT", "70000"),
        ("ADMIN_IDS", "12,abc"),
        ("DATABASE_URL", "mysql://root@localhost/x"),
        ("DATABASE_URL", "::not a url::"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_API_BASE_URL", "ftp://example.org"),
        ("TELEGRAM_WEBHOOK_SECRET", "has spaces!"),
        ("REDIS_URL", "localhost:6379"),
    ],
)
def test_malformed_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        load_settings(_env_file=None)
    message = str(err.value)
    assert message.startswith(f"configuration error: {name}:")
    assert "\n" not in message


def test_env_file_is_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("ADMIN_IDS=1, 2 3\nDATABASE_URL=postgresql://db/shop\n")
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.admin_ids == frozenset({1, 2, 3})
    assert s.database_url == "postgresql+asyncpg://db/shop"


def test_webhook_secret_is_stable_and_telegram_safe() -> None:
    a = load_settings(_env_file=None, telegram_bot_token="123:abcdefghijklmnop")
    b = load_settings(_env_file=None, telegram_bot_token="123:abcdefghijklmnop")
    c = load_settings(_env_file=None, telegram_bot_token="123:zzzzzzzzzzzzzzzz")
    assert a.webhook_secret() == b.webhook_secret() != c.webhook_secret()
    assert (
        load_settings(_env_file=None, telegram_webhook_secret="s3cr_t").webhook_secret() == "s3cr_t"
    )


def test_a_default_currency_the_bot_does_not_offer_is_refused() -> None:
    with pytest.raises(ConfigError, match="DEFAULT_CURRENCY: one of the currencies"):
        load_settings(_env_file=None, default_currency="XXX")
    assert load_settings(_env_file=None, default_currency="EUR").default_currency == "EUR"


def test_an_unusable_sqlite_file_is_named(tmp_path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "shop.db"
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"],
        env={"DATABASE_URL": f"sqlite:///{missing}", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1
    assert f"database file {missing}" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_reports_bad_config_in_one_line(tmp_path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"],
        env={"HTTP_PORT": "x", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "configuration error: HTTP_PORT: Input should be a valid integer, "
        "unable to parse string as an integer"
    )
    assert "Traceback" not in proc.stderr


def test_run_with_payments_and_no_data_key_refuses_in_one_line(tmp_path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env={"TELEGRAM_BOT_TOKEN": "123456:ABCDEFGHIJKLMNOP", "STRIPE_SECRET_KEY": "sk_test_123",
             "STRIPE_WEBHOOK_SECRET": "whsec_123", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "configuration error: DATA_KEY: required when payments are configured; "
        "generate one with `shopbot data-key`"
    ]
    assert "sk_test_123" not in proc.stderr and not (tmp_path / "shopbot.db").exists()


def test_a_shipping_rates_file_that_does_not_read_stops_the_start(tmp_path) -> None:
    rates = tmp_path / "rates.toml"
    rates.write_text("version = 1\n[lines.express]\nname = 3\n")
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env={"TELEGRAM_BOT_TOKEN": "123456:ABCDEFGHIJKLMNOP", "SHIPPING_RATES_FILE": str(rates),
             "PATH": "/usr/bin:/bin"},
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("configuration error: SHIPPING_RATES_FILE: ") and "rates.toml: " in line


def test_translate_languages_take_regional_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSLATE_LANGUAGES", "en, pt-BR zh_Hant,ja")
    assert load_settings(_env_file=None).translate_languages == ("en", "pt_BR", "zh_Hant", "ja")
    monkeypatch.setenv("TRANSLATE_LANGUAGES", "en,Portuguese")
    with pytest.raises(ConfigError, match="TRANSLATE_LANGUAGES"):
        load_settings(_env_file=None)
