"""Keep the catalog in step with a source: a feed, a store, or a marketplace API.

A run streams batches of unified products into `catalog.store`, each batch in its own
transaction (a failure leaves every product either as it was or fully updated, never half
written), reports per-item failures without stopping, and only after a complete listing
succeeded marks what the source no longer lists as unavailable. Every run is recorded in
sync_runs with its counts.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import utcnow
from bot.services import catalog
from bot.sync import runs
from integrations.errors import IntegrationError
from integrations.types import Product

log = logging.getLogger(__name__)

BATCH = 2000
MAX_REPORTED_ERRORS = 50


@dataclass
class Batch:
    """Products from a source, with what it could not read (one line per item)."""

    products: list[Product] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # external ids the source says are gone
    unchanged: list[str] = field(default_factory=list)  # known unchanged without reading them
    digests: dict[str, str] = field(default_factory=dict)  # fingerprints to store instead
    # Listed but not read whole (an item could not be parsed): a product the catalog holds
    # keeps its last good state, and none of them is gone.
    unreadable: list[str] = field(default_factory=list)


class SyncSource(Protocol):
    name: str  # recorded on products and runs: "feed:<location>", "shopify", "taobao"
    marketplace: str
    complete: bool  # a full listing: what it does not list is gone

    def prepare(self, index: catalog.Index) -> None:
        """Called with what the catalog holds before `batches`, to let a source skip work."""

    def batches(self) -> AsyncIterator[Batch]: ...


@dataclass
class SyncReport:
    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    gone: int = 0
    failed: int = 0
    seconds: float = 0.0
    status: str = "running"
    error: str = ""
    errors: list[str] = field(default_factory=list)
    lost_batches: int = 0  # batches the database refused: the listing is then incomplete

    def outcome(self) -> dict[str, object]:
        """Status, counts and error, as sync_runs records them."""
        return {
            "status": self.status, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "gone": self.gone, "failed": self.failed,
            "error": self.error[:2000],
        }  # fmt: skip

    @property
    def items(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        if self.status == "failed" and not self.items:
            return f"{self.source}: failed: {self.error}"
        line = (
            f"{self.source}: {self.status}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.gone} gone, {self.failed} failed "
            f"in {self.seconds:.1f}s"
        )
        return f"{line} ({self.error})" if self.error else line


Progress = Callable[[SyncReport], None]


async def run(
    sessions: async_sessionmaker[AsyncSession],
    source: SyncSource,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> SyncReport:
    """Sync one source; never raises for provider or data problems (they are in the report)."""
    now = now or utcnow()
    started = time.perf_counter()
    report = SyncReport(source.name)
    run_id = await runs.start(sessions, source.name, now)
    gc_thresholds = gc.get_threshold()
    # A sync allocates hundreds of thousands of short-lived records: collecting the young
    # generation every 700 allocations re-scans everything alive again and again (a large
    # share of the run). Collect less often while it runs.
    gc.set_threshold(max(gc_thresholds[0], 50_000), *gc_thresholds[1:])
    try:
        async with runs.beating(sessions, run_id):
            await _sync(sessions, source, report, progress, now, started)
        report.status = "partial" if report.failed else "ok"
    except IntegrationError as exc:
        report.status, report.error = "failed", exc.reason
        log.warning("sync %s failed: %s", source.name, exc)
    except ValueError as exc:
        report.status, report.error = "failed", str(exc)
        log.warning("sync %s failed: %s", source.name, exc)
    except SQLAlchemyError as exc:
        report.status, report.error = "failed", f"database: {type(exc).__name__}"
        log.exception("sync %s failed in the database", source.name)
    finally:
        gc.set_threshold(*gc_thresholds)
        report.seconds = time.perf_counter() - started
        await runs.finish(sessions, run_id, report.outcome())
    return report


async def _sync(
    sessions: async_sessionmaker[AsyncSession],
    source: SyncSource,
    report: SyncReport,
    progress: Progress | None,
    now: datetime,
    started: float,
) -> None:
    async with sessions() as session:
        index = await catalog.load_index(session, source.marketplace)
    source.prepare(index)
    seen: set[str] = set()
    async for batch in source.batches():
        await _apply(sessions, source, batch, index, report, seen, now)
        if progress is not None:
            report.seconds = time.perf_counter() - started
            progress(report)
    if source.complete and not report.lost_batches:
        async with sessions.begin() as session:
            gone = await catalog.mark_gone(session, index, source.name, seen, now)
        index.apply(gone)
        report.gone += len(gone)


async def _apply(
    sessions: async_sessionmaker[AsyncSession],
    source: SyncSource,
    batch: Batch,
    index: catalog.Index,
    report: SyncReport,
    seen: set[str],
    now: datetime,
) -> None:
    _note(report, batch.errors)
    report.unchanged += len(batch.unchanged)
    seen.update(batch.unchanged)
    seen.update(batch.unreadable)
    kept = {ext for ext in batch.unreadable if ext in index.known}
    products = [p for p in batch.products if p.marketplace == source.marketplace]
    if len(products) != len(batch.products):
        strays = [p for p in batch.products if p.marketplace != source.marketplace]
        _note(report, [f"{p.external_id}: belongs to {p.marketplace}" for p in strays])
    held = [p for p in products if p.external_id in kept]
    report.unchanged += len(held)  # as the catalog holds them
    products = [p for p in products if p.external_id not in kept]
    for start in range(0, len(products), BATCH):
        chunk = products[start : start + BATCH]
        try:
            async with sessions.begin() as session:
                counts, pending = await catalog.store(
                    session, chunk, index, source=source.name, now=now, digests=batch.digests
                )
        except SQLAlchemyError as exc:
            log.exception("sync %s: a batch of %d failed", source.name, len(chunk))
            _note(report, [f"{len(chunk)} products not stored: {type(exc).__name__}"], len(chunk))
            report.lost_batches += 1
            continue
        index.apply(pending)
        seen.update(p.external_id for p in chunk)
        report.created += counts.created
        report.updated += counts.updated
        report.unchanged += counts.unchanged
        if counts.duplicates:
            _note(report, [f"{counts.duplicates} duplicate ids skipped"], counts.duplicates)
    if batch.gone:
        goners = {
            ext: index.known[ext]
            for ext in batch.gone
            if ext in index.known and index.known[ext].available
        }
        async with sessions.begin() as session:
            marked = await catalog.mark_unavailable(session, goners, now)
        index.apply(marked)
        report.gone += len(marked)


def _note(report: SyncReport, errors: list[str], count: int | None = None) -> None:
    report.failed += len(errors) if count is None else count
    room = MAX_REPORTED_ERRORS - len(report.errors)
    report.errors.extend(errors[: max(room, 0)])
