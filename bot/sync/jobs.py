"""Running syncs for the CLI and the scheduled job, and exposing their numbers in /metrics."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from functools import partial

from sqlalchemy import select

from bot.models import SyncRun
from bot.process import handled, leases
from bot.process.deps import Deps
from bot.services import fx
from bot.sync import engine, runs, translation
from bot.sync.sources import make_source, source_name
from integrations import translate
from integrations.errors import IntegrationError
from integrations.fx import RatesProvider, fetch_merged, openexchangerates
from integrations.fx.cbr import CbrRates
from integrations.fx.ecb import EcbRates
from integrations.fx.openexchangerates import OpenExchangeRates

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
    """Sync every SYNC_SOURCES entry that is due and that no other process is syncing; first
    mark the runs of processes that died as failed."""
    every = timedelta(minutes=deps.settings.sync_interval_minutes)
    await abandon_dead_runs(deps)
    reports = []
    for spec in deps.settings.sync_sources:
        name = source_name(spec)
        ran, report = await leases.run_when_due(
            deps.sessions, f"sync:{name}", HOLDER, every, partial(sync_one, deps, spec)
        )
        if report is not None:
            log.info("%s", report.summary())
            reports.append(report)
        elif not ran:
            log.debug("sync %s: not due, or another process is at it", name)
    return reports


async def abandon_dead_runs(deps: Deps) -> int:
    """Mark as failed the runs whose process stopped beating (killed, or its machine gone)."""
    async with deps.sessions.begin() as session:
        count = await runs.abandon(session)
    if count:
        log.warning("%d sync run(s) abandoned by a process that stopped", count)
    return count


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
    """Fetch the ECB's and the Bank of Russia's rates (and Open Exchange Rates' when its app id
    is set), merge them (the first provider to have a currency wins) and store them; returns
    how many currencies were stored. A provider that fails is logged and left out; when all
    fail, the first one's error is raised and nothing changes."""
    env = deps.provider_env
    providers: list[RatesProvider] = [EcbRates(env, deps.http), CbrRates(env, deps.http)]
    if env.get(openexchangerates.KEY):
        providers.append(OpenExchangeRates(env, deps.http))
    rates = await fetch_merged(providers)
    async with deps.sessions.begin() as session:
        count = await fx.store(session, rates)
    sources = sorted({rate.source for rate in rates.values()})
    log.info("exchange rates from %s: %d currencies stored", ", ".join(sources), count)
    return count


async def scheduled_rates(deps: Deps) -> None:
    """Refresh rates when due and no other process is at it; failures wait for the next run."""
    every = timedelta(hours=RATES_HOURS)
    await _when_due(deps, "fx", every, lambda: refresh_rates(deps), "exchange rates not refreshed")


async def scheduled_prune(deps: Deps) -> None:
    """Forget handled update ids Telegram no longer delivers, hourly, in one process."""

    async def prune() -> None:
        async with deps.sessions.begin() as session:
            count = await handled.prune(session)
        log.info("%d handled update ids forgotten", count)

    await _when_due(deps, "prune:handled", timedelta(hours=1), prune, "handled ids not pruned")


async def _when_due(
    deps: Deps, lease: str, every: timedelta, work: Callable[[], Awaitable[object]], failed: str
) -> None:
    """Run `work` when due under its lease; a provider failure is logged, not raised."""
    try:
        await leases.run_when_due(deps.sessions, lease, HOLDER, every, work)
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
    NotConfigured without DEEPL_AUTH_KEY or LIBRETRANSLATE_URL, and what the provider raised."""
    name, translator = translate.provider(deps.provider_env, deps.http)
    languages = languages or deps.settings.translate_languages
    report = await translation.translate_pending(
        deps.sessions, translator, name, languages, limit=limit, progress=progress
    )
    await translation.translate_words(deps.sessions, translator, name, languages, report)
    log.info("%s", report.summary())
    return report


async def scheduled_titles(deps: Deps) -> None:
    """Translate new titles when due and no other process is at it; failures wait."""
    every = timedelta(minutes=deps.settings.sync_interval_minutes)
    await _when_due(deps, "titles", every, lambda: translate_titles(deps), "titles not translated")
