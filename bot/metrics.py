"""Prometheus metrics, one registry per app (no global state: tests build many apps)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.alerts = Counter(
            "crebot_alerts_received_total",
            "Alerts received, by source and what crebot did with them",
            ["source", "disposition"],
            registry=r,
        )
        self.webhook_rejected = Counter(
            "crebot_webhook_rejected_total",
            "Webhook deliveries refused, by source and HTTP status",
            ["source", "status"],
            registry=r,
        )
        self.incidents_opened = Counter(
            "crebot_incidents_opened_total",
            "Incidents opened, by tenant and signature",
            ["tenant", "signature", "detected_by"],
            registry=r,
        )
        self.outbox_dead = Counter(
            "crebot_outbox_dead_total",
            "Slack operations given up after their retries",
            ["kind"],
            registry=r,
        )
        self.outbox_done = Counter(
            "crebot_outbox_done_total", "Slack operations completed", ["kind"], registry=r
        )
        self.escalations = Counter(
            "crebot_escalations_total", "Escalation steps fired", ["tenant"], registry=r
        )
        self.config_generation = Gauge(
            "crebot_config_generation", "How many times the configuration was loaded", registry=r
        )
        self.webhook_latency = Histogram(
            "crebot_webhook_seconds", "Webhook handling time", ["source"], registry=r
        )
        # The part of webhook handling spent opening incidents (with all that opening
        # triggers: room, clock, drafts), to tell a slow storm's causes apart.
        self.incident_opening = Counter(
            "crebot_webhook_opening_seconds",
            "Time webhook deliveries spent opening incidents",
            ["source"],
            registry=r,
        )
        # Async work run before each scrape (figures computed from the database).
        self.refreshers: list[Callable[[], Awaitable[None]]] = []

    async def refresh(self) -> None:
        for refresher in self.refreshers:
            await refresher()
