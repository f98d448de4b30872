"""A one-line progress display for long work on a terminal (silent when not a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from bot.sync.engine import SyncReport


class SyncProgress:
    """Redraws `source: 12,000 items (8,400/s) +300 ~20 =11,680` in place, <= 10 times/s."""

    def __init__(self, stream: TextIO = sys.stderr, *, force: bool = False) -> None:
        self.stream = stream
        self.enabled = force or stream.isatty()
        self._last = 0.0
        self._drawn = False

    def __call__(self, report: SyncReport) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        speed = report.items / report.seconds if report.seconds else 0.0
        line = (
            f"{report.source}: {report.items:,} items ({speed:,.0f}/s) "
            f"+{report.created:,} ~{report.updated:,} ={report.unchanged:,}"
            + (f" !{report.failed:,}" if report.failed else "")
        )
        self.stream.write("\r\x1b[K" + line[:200])
        self.stream.flush()
        self._drawn = True

    def done(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False
