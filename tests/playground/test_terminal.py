"""`shopbot chat`: the terminal playground drives the real bot from typed lines."""

from __future__ import annotations

import asyncio
import os
import sys

from bot.config import Settings
from bot.i18n import translator


async def chat(settings: Settings, lines: list[str], *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "chat", *args,
        env={"PATH": os.environ.get("PATH", ""), "DATABASE_URL": settings.database_url},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate("\n".join(lines).encode() + b"\n"), 60)
    assert proc.returncode == 0, out.decode()
    return out.decode()


async def test_playground_prints_replies_and_presses_numbered_buttons(settings: Settings) -> None:
    out = await chat(settings, ["/start", "/settings", "2", "1", "/quit", "/help"])
    assert "👋 Hi" in out
    assert "[1] Currency   [2] Country" in out
    assert "bot (edited)> Where should we ship your orders?" in out
    assert "Ship to: United States" in out
    assert "What I can do" not in out  # nothing after /quit
    assert "Traceback" not in out


async def test_playground_speaks_the_chosen_language_and_loads_the_demo(settings: Settings) -> None:
    out = await chat(settings, ["/start", "/settings", "9", "hello <b>&"], "--lang", "ru")
    assert translator("ru").gettext("👋 Hi, {name}!").split(",")[0] in out
    assert "(no button with that number)" in out
    assert "304" in out  # the demo catalog was loaded on first run
    nothing = translator("ru").gettext(
        "Nothing found for “{query}”. Try fewer or other words, in your language, in English "
        "or in Chinese (for example “phone case” or “手机壳”)."
    )
    assert nothing.split("{query}")[0] in out
