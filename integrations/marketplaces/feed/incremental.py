"""Reading a feed again without parsing what did not change.

An XML feed is cut into raw item groups (raw.py); a group whose bytes' digest the caller says it
already holds is reported unchanged and not parsed; the rest are parsed as smaller feeds of
their own, a few chunks ahead of the caller, in worker processes when there are many items.
Any feed that cannot be cut with certainty is parsed whole.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import integrations.marketplaces.feed.raw as raw
from integrations.marketplaces.feed.adapter import Adapter
from integrations.marketplaces.feed.parse import FeedResult, ItemError, decode_feed, parse_feed
from integrations.types import Product

PARALLEL_PARSE_ITEMS = 20_000  # below this a thread beats starting worker processes
PARSE_AHEAD = 4  # chunks parsed ahead of the one the caller is handling
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
        result = await asyncio.to_thread(parse, data)
        for start in range(0, max(len(result.products), 1), size):
            first = start == 0
            yield Chunk(
                result.products[start : start + size],
                result.errors if first else [],
                result.unreadable if first else [],
            )
        return
    todo: dict[str, str] = {}
    unchanged: list[str] = []
    for key, group in cut.groups.items():
        digest = group.digest()
        if known(key, digest):
            unchanged.append(key)
        else:
            todo[key] = digest
    yield Chunk(unchanged=unchanged)
    keys = list(todo)
    chunks = [keys[start : start + size] for start in range(0, len(keys), size)]
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


def parse_pool() -> ProcessPoolExecutor:
    """Worker processes for big feeds: parsing is CPU-bound, and in another process it neither
    competes with the bot for the GIL nor stops the catalog from being written meanwhile."""
    global _POOL
    if _POOL is None:
        workers = max(1, min(2, os.cpu_count() or 1))
        _POOL = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    return _POOL
