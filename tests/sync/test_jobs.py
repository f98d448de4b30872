"""`shopbot sync` as an operator runs it: a summary line per source, a clear failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.process.deps import Deps
from bot.web.app import make_web_app

FEED = (
    '<?xml version="1.0"?><rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'
    "<item><g:id>1</g:id><title>帆布包</title><g:price>29.90 CNY</g:price></item>"
    "<item><g:id>2</g:id><title>卫衣</title><g:price>89.00</g:price></item>"
    "</channel></rss>"
)


def shopbot(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": settings.database_url}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_sync_prints_one_summary_line_per_source(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "store.xml"
    path.write_text(FEED)
    proc = shopbot(settings, "sync", f"feed:{path}", "taobao")
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1  # taobao is not configured
    assert lines[0].startswith(
        f"feed:{path}: partial: 1 created, 0 updated, 0 unchanged, 0 gone, 1 failed in "
    )
    assert "has no currency" in lines[1]
    assert lines[2].startswith("taobao: failed:") and "TAOBAO_APP_KEY" in lines[2]
    assert "Traceback" not in proc.stderr


def test_a_failed_source_says_why_without_counting_nothing(settings: Settings) -> None:
    proc = shopbot(settings, "sync", "feed:http://127.0.0.1:9/feed.xml", "nonsense")
    down, unknown = proc.stdout.splitlines()
    assert down.startswith("feed:http://127.0.0.1:9/feed.xml: failed: ")
    assert "created" not in down and down.count("feed:") == 1  # no "feed: feed: ..."
    assert unknown.startswith("nonsense: failed: no source called 'nonsense'; sources are ")
    assert "demo" in unknown and "taobao" in unknown and "feed:<url-or-path>" in unknown


async def test_metrics_show_the_latest_run_of_any_process(
    settings: Settings, deps: Deps, tmp_path: Path
) -> None:
    path = tmp_path / "store.xml"
    path.write_text(FEED)
    assert shopbot(settings, "sync", f"feed:{path}").returncode == 0
    async with TestClient(TestServer(make_web_app(deps))) as client:
        text = await (await client.get("/metrics")).text()
    assert f'shopbot_sync_last_run_items{{outcome="created",source="feed:{path}"}} 1.0' in text
    assert (
        f'shopbot_sync_last_run_finished_timestamp_seconds{{source="feed:{path}",status="partial"}}'
        in text
    )


async def test_scheduled_sync_runs_in_one_process_only(
    deps: Deps, tmp_path: Path, monkeypatch
) -> None:
    from bot.sync import jobs

    deps.settings = deps.settings.model_copy(update={"sync_sources": ("demo",)})
    (report,) = await jobs.scheduled(deps)
    assert report.created > 100
    monkeypatch.setattr(jobs, "HOLDER", "other-host:1")
    assert await jobs.scheduled(deps) == []  # the first process still holds the lease


async def test_a_scheduled_sync_reads_no_local_file(deps: Deps, tmp_path: Path) -> None:
    from bot.sync import jobs

    path = tmp_path / "store.xml"
    path.write_text(FEED)
    deps.settings = deps.settings.model_copy(update={"sync_sources": (f"feed:{path}",)})
    (report,) = await jobs.scheduled(deps)
    assert report.status == "failed" and "read only by `shopbot sync`" in report.error
    assert report.created == 0


def test_translate_without_a_key_says_what_to_set(settings: Settings) -> None:
    proc = shopbot(settings, "translate", "en")
    assert proc.returncode == 1
    assert "DEEPL_AUTH_KEY" in proc.stderr and "Traceback" not in proc.stderr
    bad = shopbot(settings, "translate", "--limit", "x")
    assert bad.returncode == 2 and "invalid int value" in bad.stderr
