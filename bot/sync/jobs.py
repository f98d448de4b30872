"""Running syncs for the CLI and the scheduled job, and exposing their numbers in /metrics."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.models import SyncRun
from bot.process import leases
from bot.process.deps import Deps
from bot.services import fx
from bot.sync import engine, translation
from bot.sync.sources import make_source, source_name
from integrations.errors import IntegrationError
from integrations.fx.ecb import EcbRates
from integrations.translate import deepl
from integrations.translate.deepl import DeepL

log = logging.getLogger(__name__)

HOLDER = f"{socket.gethostname()}:{os.getpid()}"
RATES_HOURS = 6


async def sync_one(
    deps: Deps, spec: str, progress: engine.Progress | None = None, *, local_files: bool = False
) -> engine.SyncReport:
    """Sync one source named like `shopbot sync` names it (a feed file only with
    `local_files`, as the command line allows); problems end up in the report."""
    try:
        source = make_source(
            spec, deps.provider_env, deps.http, deps.sessions, local_files=local_files
        )
    except IntegrationError as exc:
        report = engine.SyncReport(source_name(spec), status="failed", error=exc.reason)
    else:
        report = await engine.run(deps.sessions, source, progress=progress)
    count(deps, report)
    return report


def count(deps: Deps, report: engine.SyncReport) -> None:
    for outcome in ("created", "updated", "unchanged", "gone", "failed"):
        deps.metrics.sync_items.labels(report.source, outcome).inc(getattr(report, outcome))


async def scheduled(deps: Deps) -> list[engine.SyncReport]:
    """Sync every SYNC_SOURCES entry that no other process is syncing right now."""
    ttl = timedelta(minutes=deps.settings.sync_interval_minutes)
    reports = []
    for spec in deps.settings.sync_sources:
        async with deps.sessions.begin() as session:
            mine = await leases.acquire(session, f"sync:{source_name(spec)}", HOLDER, ttl)
        if not mine:
            log.info("sync %s: another process holds it", source_name(spec))
            continue
        report = await sync_one(deps, spec)
        log.info("%s", report.summary())
        reports.append(report)
    return reports


async def refresh_gauges(deps: Deps) -> None:
    """Copy the latest finished run of each source into the metrics, whoever ran it."""
    async with deps.sessions() as session:
        rows = (
            await session.execute(
                select(SyncRun)
                .where(SyncRun.finished_at.is_not(None))
                .order_by(SyncRun.id.desc())
                .limit(500)
            )
        ).scalars()
        latest: dict[str, SyncRun] = {}
        for row in rows:
            latest.setdefault(row.source, row)
    for source, run in latest.items():
        for outcome in ("created", "updated", "unchanged", "gone", "failed"):
            deps.metrics.sync_last.labels(source, outcome).set(getattr(run, outcome))
        assert run.finished_at is not None
        deps.metrics.sync_last_seconds.labels(source).set(
            (run.finished_at - run.started_at).total_seconds()
        )
        deps.metrics.sync_last_finished.labels(source, run.status).set(run.finished_at.timestamp())


async def refresh_rates(deps: Deps) -> int:
    """Fetch the ECB reference rates and store them; returns how many currencies."""
    rates = await EcbRates(deps.provider_env, deps.http).latest()
    async with deps.sessions.begin() as session:
        count = await fx.store(session, rates)
    log.info("exchange rates of %s: %d currencies", rates.day, count)
    return count


async def scheduled_rates(deps: Deps) -> None:
    """Refresh rates unless another process just did; failures wait for the next run."""
    ttl = timedelta(hours=RATES_HOURS)
    await _once_per_lease(deps, "fx", ttl, refresh_rates(deps), "exchange rates not refreshed")


async def _once_per_lease(
    deps: Deps, lease: str, ttl: timedelta, work: Coroutine[Any, Any, object], failed: str
) -> None:
    """Run `work` if this process gets the lease; a provider failure is logged, not raised."""
    async with deps.sessions.begin() as session:
        mine = await leases.acquire(session, lease, HOLDER, ttl)
    if not mine:
        work.close()  # never started
        return
    try:
        await work
    except IntegrationError as exc:
        log.warning("%s: %s", failed, exc)


async def translate_titles(
    deps: Deps,
    languages: Sequence[str] | None = None,
    *,
    limit: int | None = None,
    progress: Callable[[str, int], Awaitable[None] | None] | None = None,
) -> translation.Report:
    """Translate the titles still lacking a translation (bot/sync/translation.py). Raises
    NotConfigured without DEEPL_AUTH_KEY, and what the provider raised."""
    translator = DeepL(deps.provider_env, deps.http)
    languages = languages or deps.settings.translate_languages
    report = await translation.translate_pending(
        deps.sessions, translator, deepl.NAME, languages, limit=limit, progress=progress
    )
    log.info("%s", report.summary())
    return report


async def scheduled_titles(deps: Deps) -> None:
    """Translate new titles unless another process is at it; failures wait for the next run."""
    ttl = timedelta(minutes=deps.settings.sync_interval_minutes)
    await _once_per_lease(deps, "titles", ttl, translate_titles(deps), "titles not translated")
