"""Users by id for the read every update starts with, kept per process and never stale.

Reading the user (language, currency, country) from the database for every update was a large
share of a reply's cost (bench/throughput.py). Entries are dropped whenever a user changes:

- services.users notes every user it writes on the session (bot.db.note_written); when that
  session commits, the entries go here at once and, with Redis, in every other process (a message on
  CHANNEL, which each process's `run` listens to);
- an entry read from the database is only stored if that user did not change while it was read
  (`generation` before the read), so a read racing a write can't put the old row back; the row
  a transaction wrote may be stored with the generation of its commit (`committed_generation`);
- with Redis configured, the cache answers only while subscribed: a process that may have missed
  a message reads from the database until it has listened again, then starts empty;
- entries also expire after `ttl` seconds (the five minutes of users.SEEN_RESOLUTION: the
  middleware writes seen_at when it misses anyway), a bound on what no path above foresaw.

Cached User objects are detached snapshots shared by concurrent updates: read them, never
change them (services.users loads its own row to write).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.db import WRITTEN
from bot.models import User

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

CHANNEL = "shopbot:users:changed"
CACHE = "user_cache"  # session.info key: the UserCache to tell at commit
COMMITTED = "users_generation"  # session.info key: the generation right after that commit
RETRY_SECONDS = (0.5, 1, 2, 5, 10)


class UserCache:
    def __init__(
        self,
        redis: Redis | None = None,
        *,
        ttl: float = 300,
        size: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redis, self.ttl, self.size, self.clock = redis, ttl, size, clock
        self.generation = 0  # counts changes seen
        self._changed_at: dict[int, int] = {}  # user id -> generation of its last change
        self._floor = 0  # reads from before this generation are refused (everything dropped)
        self._items: OrderedDict[int, tuple[float, User]] = OrderedDict()
        self._listening = redis is None  # without Redis there is no other process to hear
        self._tasks: set[asyncio.Task[None]] = set()
        self._subscribed = asyncio.Event()
        self._origin = uuid.uuid4().hex  # tells this process's own messages apart
        self._publish_failing = False

    @property
    def listening(self) -> bool:
        """Whether entries may be served (always without Redis; with it, while subscribed)."""
        return self._listening

    def get(self, user_id: int) -> User | None:
        if not self._listening:
            return None
        found = self._items.get(user_id)
        if found is None:
            return None
        if self.clock() - found[0] > self.ttl:
            del self._items[user_id]
            return None
        return found[1]

    def put(self, user: User, generation: int | None) -> None:
        """Keep `user`, read from the database when `generation` was current."""
        if generation is None or generation < self._floor or not self._listening:
            return
        if self._changed_at.get(user.id, -1) > generation:
            return  # changed since: what was read may be the old row
        self._items[user.id] = (self.clock(), user)
        self._items.move_to_end(user.id)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def drop(self, ids: Iterable[int]) -> None:
        """Forget these users here (a change seen or heard of)."""
        self.generation += 1
        if len(self._changed_at) > self.size:
            self._forget_all()
        for user_id in ids:
            self._items.pop(user_id, None)
            self._changed_at[user_id] = self.generation

    def _forget_all(self) -> None:
        self.generation += 1
        self._floor = self.generation
        self._items.clear()
        self._changed_at.clear()

    def changed(self, ids: set[int]) -> None:
        """Users written by a committed transaction: forget them here and everywhere."""
        self.drop(ids)
        if self.redis is not None:
            self._spawn(self._publish(ids))

    async def _publish(self, ids: set[int]) -> None:
        assert self.redis is not None
        try:
            await self.redis.publish(CHANNEL, f"{self._origin} {','.join(map(str, sorted(ids)))}")
        except Exception as exc:  # other processes fall back on the TTL for these users
            # once per outage: every message of every shopper would repeat it
            level = logging.DEBUG if self._publish_failing else logging.WARNING
            log.log(level, "could not announce changed users (until Redis is back): %s", exc)
            self._publish_failing = True
        else:
            if self._publish_failing:
                log.warning("announcing changed users through Redis again")
            self._publish_failing = False

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self) -> None:
        """Listen for other processes' changes until cancelled (only with Redis)."""
        if self.redis is None:
            return
        failures = 0
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    self._forget_all()  # whatever was missed before now is gone
                    self._listening, failures = True, 0
                    self._subscribed.set()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            origin, ids = _parse(message["data"])
                            if origin != self._origin:  # ours were dropped at commit
                                self.drop(ids)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                log.warning("user cache: lost Redis (%s); reading users from the database", exc)
                failures += 1
                await asyncio.sleep(delay)
            finally:
                self._listening = False

    async def subscribed(self, seconds: float) -> bool:
        """Wait up to `seconds` for `run` to listen; whether it does."""
        try:
            async with asyncio.timeout(seconds):
                await self._subscribed.wait()
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _parse(data: bytes | str) -> tuple[str, list[int]]:
    """A message on CHANNEL: "<origin> <id>,<id>,..." (the sending process, the users)."""
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    origin, _, ids = text.rpartition(" ")
    return origin, [int(part) for part in ids.split(",") if part.strip().isdigit()]


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    ids = session.info.pop(WRITTEN, {}).get(User.__tablename__)
    cache = session.info.get(CACHE)
    if ids and isinstance(cache, UserCache):
        cache.changed(ids)
        session.info[COMMITTED] = cache.generation


def committed_generation(session: Any) -> int | None:
    """The cache generation right after this session's last commit that wrote users."""
    generation = session.info.get(COMMITTED)
    return generation if isinstance(generation, int) else None


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(WRITTEN, None)
