"""Prometheus metrics of this process, in one registry so tests can build fresh ones."""

from __future__ import annotations

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        # The standard process_*, python_gc_* and python_info metrics, beside ours.
        for standard in (PROCESS_COLLECTOR, GC_COLLECTOR, PLATFORM_COLLECTOR):
            self.registry.register(standard)
        self.updates = Counter(
            "shopbot_updates", "Telegram updates processed", ["kind"], registry=self.registry
        )
        self.update_errors = Counter(
            "shopbot_update_errors", "Updates whose handler raised", registry=self.registry
        )
        self.update_seconds = Histogram(
            "shopbot_update_seconds", "Time to process one update", registry=self.registry
        )
        self.webhook_rejected = Counter(
            "shopbot_webhook_rejected",
            "Webhook requests refused",
            ["endpoint", "reason"],
            registry=self.registry,
        )
        self.up = Gauge("shopbot_up", "1 while the service runs", registry=self.registry)
        self.sync_items = Counter(
            "shopbot_sync_items",
            "Products handled by syncs run in this process",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.sync_last = Gauge(
            "shopbot_sync_last_run_items",
            "Counts of the latest finished sync run of each source (from any process)",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.sync_last_seconds = Gauge(
            "shopbot_sync_last_run_seconds",
            "Duration of the latest finished sync run of each source",
            ["source"],
            registry=self.registry,
        )
        self.sync_last_finished = Gauge(
            "shopbot_sync_last_run_finished_timestamp_seconds",
            "When the latest sync run of each source finished, and whether it succeeded",
            ["source", "status"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
