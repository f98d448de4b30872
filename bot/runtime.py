"""`shopbot run`: migrations, then Telegram (polling or webhook) and HTTP in one process."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from contextlib import suppress

from aiohttp import web
from telegram import Update

from bot import crypto, demo, migrate
from bot.config import ConfigError, Settings
from bot.process import community_jobs
from bot.process.deps import Deps
from bot.services import catalog
from bot.shipping_rates import ShippingRatesError, load_rates
from bot.sync import jobs
from bot.sync.sources import source_name
from bot.telegram.app import ShopbotApplication
from bot.telegram.polling import GRACE_SECONDS, Poller
from bot.web.app import make_web_app
from bot.web.keys import INTAKE
from handlers import digests, wiring
from handlers.commands import publish
from integrations import translate

log = logging.getLogger(__name__)


def stop_event_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT, so shutdown runs the same path either way."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    return stop


TICK_SECONDS = 60  # how often each job asks whether it is due


def schedule_sync(tg: ShopbotApplication, deps: Deps) -> None:
    """Run SYNC_SOURCES every SYNC_INTERVAL_MINUTES, translate new product titles as often
    (with DEEPL_AUTH_KEY) and refresh exchange rates every few hours. Each job asks every
    minute: its lease says whether it is due and keeps it to one process, and a process that
    died mid-job has it taken over within minutes (bot/process/leases.py)."""
    if tg.job_queue is None:
        return

    async def rates(context: object) -> None:
        await jobs.scheduled_rates(deps)

    tg.job_queue.run_repeating(rates, interval=TICK_SECONDS, first=60, name="fx")

    async def payments(context: object) -> None:
        await deps.payments.housekeeping()

    tg.job_queue.run_repeating(payments, interval=TICK_SECONDS, first=15, name="payments")

    async def parcels(context: object) -> None:
        await deps.couriers.poll_due()

    tg.job_queue.run_repeating(parcels, interval=TICK_SECONDS, first=45, name="tracking")
    holder = f"{os.getpid()}-{id(deps):x}"

    async def watched(context: object) -> None:
        await community_jobs.scheduled_watches(deps, holder)

    tg.job_queue.run_repeating(watched, interval=TICK_SECONDS, first=20, name="watches")

    async def digested(context: object) -> None:
        await community_jobs.scheduled_digests(deps, holder, lambda: digests.post_due(tg.bot, deps))

    tg.job_queue.run_repeating(digested, interval=TICK_SECONDS, first=90, name="digests")

    async def forget(context: object) -> None:
        await jobs.scheduled_prune(deps)

    tg.job_queue.run_repeating(forget, interval=TICK_SECONDS, first=120, name="handled")
    interval = deps.settings.sync_interval_minutes * 60
    if translate.configured(deps.provider_env):

        async def titles(context: object) -> None:
            await jobs.scheduled_titles(deps)

        tg.job_queue.run_repeating(titles, interval=TICK_SECONDS, first=300, name="titles")
    if not deps.settings.sync_sources:
        return

    async def job(context: object) -> None:
        await jobs.scheduled(deps)

    tg.job_queue.run_repeating(job, interval=TICK_SECONDS, first=30, name="sync")
    names = ", ".join(source_name(spec) for spec in deps.settings.sync_sources)
    log.info("syncing %s every %d min", names, interval // 60)


async def _stock(deps: Deps, demo_if_empty: bool) -> None:
    """Load the demo into an empty catalog when asked; say how to fill it when not."""
    if demo_if_empty:
        loaded = await demo.load(deps.sessions, only_if_empty=True)
        if loaded:
            log.info("the catalog was empty: %d demo products loaded", loaded)
        return
    async with deps.sessions() as session:
        empty = await catalog.count_products(session) == 0
    if empty:
        log.warning(
            "the catalog is empty: load the demo with `shopbot demo` (or `shopbot run --demo`), "
            "or sync your sources with `shopbot sync ...` or SYNC_SOURCES"
        )


def check_payments(settings: Settings) -> None:
    """Refuse to start, with one line, on what would fail a shopper at checkout: payments
    without DATA_KEY, or a shipping rates file that does not read."""
    crypto.require_data_key(settings)
    try:
        load_rates(settings.shipping_rates_file)
    except ShippingRatesError as exc:
        raise ConfigError(f"configuration error: SHIPPING_RATES_FILE: {exc}") from None


async def serve(
    settings: Settings, stop: asyncio.Event | None = None, *, demo_if_empty: bool = False
) -> None:
    """Run until `stop` is set (by default: until SIGTERM/SIGINT); with `demo_if_empty`, an
    empty catalog gets the demo catalog first."""
    if settings.telegram_bot_token is None:
        raise ConfigError(
            "configuration error: TELEGRAM_BOT_TOKEN: not set (get one from @BotFather)"
        )
    check_payments(settings)
    stop = stop or stop_event_on_signals()
    deps = Deps.create(settings)
    webhook = settings.telegram_webhook_url
    tg = wiring.build(
        deps,
        token=settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        polling=False,  # bot/telegram/polling.py confirms an update only once it is handled
    )
    web_app = make_web_app(deps, tg if webhook else None)
    runner = web.AppRunner(web_app, access_log=None)
    polling: asyncio.Task[None] | None = None
    try:
        await migrate.upgrade_database(settings.database_url)
        await _stock(deps, demo_if_empty)
        await deps.start()
        await runner.setup()
        await web.TCPSite(runner, settings.http_host, settings.http_port).start()
        log.info("HTTP on %s:%s", settings.http_host, settings.http_port)
        async with tg:
            await publish(tg.bot)
            await tg.start()
            if webhook:
                await tg.bot.set_webhook(
                    webhook,
                    secret_token=settings.webhook_secret(),
                    allowed_updates=Update.ALL_TYPES,
                )
                log.info("receiving updates by webhook at %s", webhook)
            else:
                await tg.bot.delete_webhook()
                polling = asyncio.get_running_loop().create_task(Poller(tg).run(stop))
                log.info("receiving updates by long polling")
            schedule_sync(tg, deps)
            deps.payments.on_alerts()  # what was queued while no process was sending
            deps.metrics.up.set(1)
            await stop.wait()
            log.info("stopping: new updates are left to Telegram, those in hand finished")
            deps.metrics.up.set(0)
            web_app[INTAKE].close()
            if polling is not None:
                await polling
            else:
                with suppress(TimeoutError):
                    async with asyncio.timeout(GRACE_SECONDS):
                        await web_app[INTAKE].idle()
            await tg.stop()
    finally:
        if polling is not None and not polling.done():
            polling.cancel()
        await runner.cleanup()
        await deps.close()
    log.info("stopped")
