"""Reading a feed again without parsing what did not change.

An XML feed is cut into raw item groups (raw.py); a group whose bytes' digest the caller says it
already holds is reported unchanged and not parsed; the rest are parsed as smaller feeds of
their own, a few chunks ahead of the caller, in worker processes when there are many items.
Any feed that cannot be cut with certainty is parsed whole: a big one in a worker process, whose
answer comes back in pieces. No parse runs long on the bot's own thread: C calls over a whole
big feed would hold the GIL, and with it every chat (bench/README.md has the longest stalls).
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import pickle
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import integrations.marketplaces.feed.raw as raw
from integrations.marketplaces.feed.adapter import Adapter
from integrations.marketplaces.feed.parse import FeedResult, ItemError, decode_feed, parse_feed
from integrations.types import Product

PARALLEL_PARSE_ITEMS = 20_000  # below this a thread beats starting worker processes
WHOLE_IN_PROCESS_BYTES = 4 << 20  # a feed parsed whole is parsed in a worker from this size on
PARSE_GROUPS = 1_000  # product groups per parse in a worker (a smaller answer to unpickle)
PIECE = 250  # products per pickled piece of a whole parse (each unpickled on the loop's thread)
PARSE_AHEAD = 4  # chunks parsed ahead of the one the caller is handling
PARENT_CHECK_SECONDS = 0.5
_POOL: ProcessPoolExecutor | None = None

# Whether the caller holds a product group (by key) as these raw bytes' digest already.
Known = Callable[[str, str], bool]


@dataclass
class Chunk:
    """Parsed products with their item errors and the products not read whole (FeedResult);
    products known unchanged (by key, not parsed); and the digest to keep for each parsed group
    ("" for one with errors: read it next time)."""

    products: list[Product] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)


async def read(adapter: Adapter, known: Known, size: int) -> AsyncIterator[Chunk]:
    """The feed at `adapter`'s location in chunks of at most `size` product groups: first the
    groups `known` recognises, then the others parsed."""
    data = await adapter.fetch()
    text = await asyncio.to_thread(decode_feed, data)
    cut = await asyncio.to_thread(raw.split, text, adapter.id_prefix)
    parse = functools.partial(
        parse_feed, marketplace=adapter.marketplace, id_prefix=adapter.id_prefix
    )
    if cut is None:
        if len(data) >= WHOLE_IN_PROCESS_BYTES:
            loop = asyncio.get_running_loop()
            pieces = await loop.run_in_executor(parse_pool(), _whole, parse, data, PIECE)
            gathered = Chunk()
            for piece in pieces:
                part: Chunk = pickle.loads(piece)  # noqa: S301  (made by our own worker)
                gathered.products += part.products
                gathered.errors += part.errors
                gathered.unreadable += part.unreadable
                if len(gathered.products) >= size:
                    yield gathered
                    gathered = Chunk()
                await asyncio.sleep(0)  # the loop's turn between pieces
            yield gathered
            return
        for part in _chunks(await asyncio.to_thread(parse, data), size):
            yield part
        return
    todo: dict[str, str] = {}
    unchanged: list[str] = []
    digests = await asyncio.to_thread(lambda: {k: g.digest() for k, g in cut.groups.items()})
    for key, digest in digests.items():
        if known(key, digest):
            unchanged.append(key)
        else:
            todo[key] = digest
    yield Chunk(unchanged=unchanged)
    keys = list(todo)
    step = min(size, PARSE_GROUPS)
    chunks = [keys[start : start + step] for start in range(0, len(keys), step)]
    items = sum(len(cut.groups[key].spans) for key in keys)
    executor = parse_pool() if items >= PARALLEL_PARSE_ITEMS else None
    loop = asyncio.get_running_loop()
    in_flight: deque[tuple[list[str], asyncio.Future[FeedResult]]] = deque()
    for chunk in chunks:
        in_flight.append((chunk, loop.run_in_executor(executor, parse, cut.document(chunk))))
        if len(in_flight) >= PARSE_AHEAD:
            yield await _parsed(cut, todo, *in_flight.popleft())
    while in_flight:
        yield await _parsed(cut, todo, *in_flight.popleft())


async def _parsed(
    cut: raw.RawFeed, todo: dict[str, str], keys: list[str], parsing: asyncio.Future[FeedResult]
) -> Chunk:
    result = await parsing
    digests = {key: todo[key] for key in keys}
    for error in result.errors:  # re-read a group with problems next time, and re-report
        for key in keys:
            if error.item_id in cut.groups[key].item_ids:
                digests[key] = ""
    return Chunk(result.products, result.errors, result.unreadable, digests=digests)


def _chunks(result: FeedResult, size: int) -> list[Chunk]:
    """A whole feed's parse as chunks of `size` products, its errors with the first."""
    return [
        Chunk(
            result.products[start : start + size],
            result.errors if start == 0 else [],
            result.unreadable if start == 0 else [],
        )
        for start in range(0, max(len(result.products), 1), size)
    ]


def _whole(parse: Callable[[bytes], FeedResult], data: bytes, size: int) -> list[bytes]:
    """In a worker: the whole feed parsed, as pickled chunks the caller unpickles one by one."""
    return [pickle.dumps(chunk) for chunk in _chunks(parse(data), size)]


def parse_pool() -> ProcessPoolExecutor:
    """Worker processes for big feeds: parsing is CPU-bound, and in another process it neither
    competes with the bot for the GIL nor stops the catalog from being written meanwhile. Each
    worker ends itself when the process that started it is gone (killed, not stopped: then
    nothing else would ever end it)."""
    global _POOL
    if _POOL is None:
        workers = max(1, min(2, os.cpu_count() or 1))
        _POOL = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_watch_parent,
            initargs=(os.getpid(),),
        )
    return _POOL


def _watch_parent(parent: int) -> None:
    """In a worker: a thread that exits the process once `parent` is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
