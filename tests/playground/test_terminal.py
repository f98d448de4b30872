"""`shopbot chat`: the terminal playground drives the real bot from typed lines."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.config import Settings
from bot.i18n import translator


async def chat(settings: Settings, lines: list[str], *args: str, cwd: Path | None = None) -> str:
    root = Path(__file__).resolve().parents[2]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": settings.database_url,
        "PYTHONPATH": str(root),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "chat", *args,
        env=env, cwd=cwd or root, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate("\n".join(lines).encode() + b"\n"), 60)
    assert proc.returncode == 0, out.decode()
    return out.decode()


async def test_playground_prints_replies_and_presses_numbered_buttons(
    settings: Settings, tmp_path: Path
) -> None:
    out = await chat(settings, ["/start", "/settings", "2", "1", "/quit", "/help"], cwd=tmp_path)
    assert "👋 Hi" in out
    assert "[1] Currency   [2] Country" in out
    assert "bot (edited)> Where should we ship your orders?" in out
    assert "Ship to: United States" in out
    assert "What I can do" not in out  # nothing after /quit
    assert "Traceback" not in out


async def test_playground_speaks_the_chosen_language_and_loads_the_demo(
    settings: Settings, tmp_path: Path
) -> None:
    out = await chat(
        settings, ["/start", "/settings", "9", "hello <b>&"], "--lang", "ru", cwd=tmp_path
    )
    assert translator("ru").gettext("👋 Hi, {name}!").split(",")[0] in out
    assert "(no button with that number)" in out
    assert "304" in out  # the demo catalog was loaded on first run
    nothing = translator("ru").gettext(
        "Nothing found for “{query}”. Try fewer or other words, in your language, in English "
        "or in Chinese (for example “phone case” or “手机壳”)."
    )
    assert nothing.split("{query}")[0] in out


async def test_playground_shows_new_buttons_links_and_keeps_the_log_out_of_the_chat(
    settings: Settings, tmp_path: Path
) -> None:
    link = "https://item.taobao.com/item.htm?id=1"  # no Taobao keys here: logged, explained
    out = await chat(settings, ["手机壳", "11", "1", "1", "6", link], cwd=tmp_path)
    assert "bot (new buttons)>" in out and "✓ Any price" in out  # the price menu, shown
    assert "Open on demo (https://" in out  # a link button shows where it leads
    assert "  (a link: https://" in out  # and pressing it says so, instead of "no button"
    assert "can't be opened here yet" in out
    assert " INFO " not in out and "NotConfigured" not in out  # no log line in the chat
    assert "NotConfigured" in (tmp_path / "playground.log").read_text()
