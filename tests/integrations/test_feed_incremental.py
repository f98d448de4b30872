"""Reading a big feed without holding the bot's event loop: work in pieces, parsing in worker
processes that end with their parent."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from integrations.http import HttpClient
from integrations.marketplaces.feed import Adapter, incremental, parse_feed, raw
from integrations.marketplaces.feed import parse as feed_parse

HEAD = '<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'


def feed(n: int, cdata: bool = False) -> bytes:
    title = "<![CDATA[手机壳 {i}]]>" if cdata else "手机壳 {i}"
    items = "".join(
        f"<item><g:id>{i}</g:id><title>{title.format(i=i)}</title><g:price>9.90 CNY</g:price>"
        f"<g:item_group_id>G{i // 3}</g:item_group_id></item>"
        for i in range(n)
    )
    return f"{HEAD}{items}</channel></rss>".encode()


def test_splitting_a_window_at_a_time_is_splitting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(raw, "WINDOW", 7)
    rng = random.Random(1)
    for _ in range(3000):
        text = "".join(rng.choice(["<item", "x", "<it", "em", " ", "<"]) for _ in range(40))
        assert raw._split(text, "<item") == text.split("<item"), text
        assert raw._risky(text + "<![CDATA[") and not raw._risky(text.replace("<!", ""))


@pytest.mark.parametrize("codec", ["utf-8", "gb18030"])
def test_decoding_in_pieces_keeps_characters_that_straddle_them(
    monkeypatch: pytest.MonkeyPatch, codec: str
) -> None:
    monkeypatch.setattr(feed_parse, "DECODE_PIECE", 5)
    text = "<rss>" + "手机壳 ü €" * 50 + "</rss>"
    assert feed_parse._decoded(text.encode(codec), codec) == text


async def read_all(path: Path, http: HttpClient, size: int) -> list[incremental.Chunk]:
    adapter = Adapter({}, http, location=str(path), id_prefix="", local_files=True)
    return [chunk async for chunk in incremental.read(adapter, lambda k, d: False, size)]


async def test_a_feed_parsed_whole_is_parsed_in_a_worker_and_comes_back_in_pieces(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, http: HttpClient
) -> None:
    data = feed(300, cdata=True)  # CDATA: not cut into groups, parsed whole
    assert raw.split(data.decode()) is None
    monkeypatch.setattr(incremental, "WHOLE_IN_PROCESS_BYTES", 0)
    monkeypatch.setattr(incremental, "PIECE", 7)
    path = tmp_path / "feed.xml"
    path.write_bytes(data)
    chunks = await read_all(path, http, size=40)
    assert [len(c.products) for c in chunks[:-1]] == [42] * (len(chunks) - 1)  # 6 pieces each
    got = [p.external_id for c in chunks for p in c.products]
    assert got == [p.external_id for p in parse_feed(data, id_prefix="").products]


def test_the_parse_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import asyncio, os, sys
        from integrations.marketplaces.feed import incremental

        async def main():
            pool = incremental.parse_pool()
            loop = asyncio.get_running_loop()
            pids = set()
            for _ in range(8):
                pids.add(await loop.run_in_executor(pool, os.getpid))
            print(" ".join(map(str, sorted(pids))), flush=True)
            await asyncio.sleep(60)

        if __name__ == "__main__":
            asyncio.run(main())
        """
    )
    (tmp_path / "parent.py").write_text(script)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    parent = subprocess.Popen(
        [sys.executable, str(tmp_path / "parent.py")], stdout=subprocess.PIPE, text=True, env=env
    )
    assert parent.stdout is not None
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert workers and parent.pid not in workers
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "parse workers outlived their parent"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by init) counts as gone
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[1].startswith("Z"))
