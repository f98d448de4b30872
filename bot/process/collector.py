"""Full garbage collections when the bot chooses, not in the middle of a send.

CPython runs a full collection whenever enough objects survived younger ones; it pauses the
event loop for tens of milliseconds, and one that falls between the pacer granting a slot and
the request leaving makes that send late, on top of the next: Telegram counts two messages in
one slot and answers 429 (bench/alerts.py: two 429s in a 5,000-alert fan-out, none with the
collector off). `shopbot run` turns the automatic full collections off (young generations are
still collected as usual) and runs them here: by the pacer while a send waits for its slot
with time to spare (bot/telegram/pacer.py), and by the minute's housekeeping if none ran
for a while. Tests and tools keep Python's own schedule.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

EVERY_SECONDS = 10.0  # at most one full collection this often from the pacer
IDLE_SECONDS = 60.0  # the housekeeping's: when the pacer ran none for this long
NEVER = 1_000_000  # a third threshold no count reaches: no automatic full collection


class Collector:
    def __init__(
        self,
        every: float = EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        collect: Callable[[], int] = gc.collect,
    ) -> None:
        self.every, self._clock, self._collect = every, clock, collect
        self._last = clock()
        self.collections = 0

    def install(self) -> None:
        """Turn Python's automatic full collections off in this process."""
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, NEVER)

    def maybe_collect(self, every: float | None = None) -> bool:
        """A full collection if none ran for `every` seconds (default: `self.every`)."""
        now = self._clock()
        if now - self._last < (self.every if every is None else every):
            return False
        self._collect()
        self._last, self.collections = self._clock(), self.collections + 1
        return True
