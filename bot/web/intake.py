"""The webhook's door: open while the process serves, closed when it stops."""

from __future__ import annotations

import asyncio


class Intake:
    """The webhook's door: open while serving, closed on shutdown; counts updates in hand."""

    def __init__(self) -> None:
        self.open = True
        self.in_hand = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def close(self) -> None:
        self.open = False

    async def idle(self) -> None:
        """Wait until no update is in hand."""
        await self._idle.wait()

    def take(self) -> None:
        self.in_hand += 1
        self._idle.clear()

    def done(self) -> None:
        self.in_hand -= 1
        if not self.in_hand:
            self._idle.set()
