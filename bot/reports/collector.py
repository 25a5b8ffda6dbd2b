"""The reliability report's figures on /metrics, over the last 30 days.

A Prometheus collector cannot await the database, so the /metrics route first asks
`Metrics.refresh()`, which recomputes the report (at most every REFRESH seconds of the
injected clock), and the collector then turns the cached report into gauges. Gauges built
fresh on every scrape: a tenant or signature that drops out of the window drops out of the
metrics too, instead of lingering at its last value.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.reports.figures import Measure
from bot.reports.report import Period, Report, generate

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

WINDOW = timedelta(days=30)
REFRESH = timedelta(seconds=15)


class ReportCollector(Collector):
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.report: Report | None = None
        self.computed_at: datetime | None = None

    async def refresh(self) -> None:
        now = self.runtime.clock.now()
        if self.computed_at is not None and now - self.computed_at < REFRESH:
            return
        try:
            async with self.runtime.sessions() as session:
                self.report = await generate(session, Period.ending(now, WINDOW), now)
        except Exception:
            # /metrics must keep answering (and say the process is alive) when the
            # database does not: the last figures stay, and the failure is logged.
            log.warning("could not compute the report figures for /metrics", exc_info=True)
            return
        self.computed_at = now

    def collect(self) -> Iterator[Metric]:
        report = self.report
        if report is None:
            return
        yield from _tenant_metrics(report)
        yield from _signature_metrics(report)
        yield from _review_metrics(report)


def _gauge(name: str, doc: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"crebot_report_{name}", f"{doc} (last 30 days)", labels=labels)


def _tenant_metrics(report: Report) -> Iterator[Metric]:
    incidents = _gauge("incidents", "Incidents opened, by tenant", ["tenant"])
    automatic = _gauge(
        "detected_automatically_ratio", "Share of incidents detected by monitoring", ["tenant"]
    )
    times = _gauge(
        "time_seconds", "Median and p90 of each response time", ["tenant", "measure", "quantile"]
    )
    slo = _gauge(
        "response_slo_incidents", "Incidents by response SLO outcome", ["tenant", "outcome"]
    )
    attainment = _gauge("response_slo_attainment_ratio", "Response SLO attainment", ["tenant"])
    escalations = _gauge("escalations", "Escalation steps fired", ["tenant"])
    messages = _gauge("customer_messages", "Customer messages delivered", ["tenant"])
    repeats = _gauge(
        "repeat_incidents", "Incidents repeating a tenant's signature within 30 days", ["tenant"]
    )
    for t in report.tenants:
        c = t.current
        incidents.add_metric([t.tenant_id], c.incidents)
        if c.automatic_share is not None:
            automatic.add_metric([t.tenant_id], c.automatic_share)
        for m in Measure:
            for q, value in (("0.5", c.times[m].median), ("0.9", c.times[m].p90)):
                if value is not None:
                    times.add_metric([t.tenant_id, m.value, q], value.total_seconds())
        slo.add_metric([t.tenant_id, "met"], c.slo_met)
        slo.add_metric([t.tenant_id, "breached"], c.slo_breached)
        if c.slo_attainment is not None:
            attainment.add_metric([t.tenant_id], c.slo_attainment)
        escalations.add_metric([t.tenant_id], c.escalations)
        messages.add_metric([t.tenant_id], c.customer_messages)
        repeats.add_metric([t.tenant_id], c.repeat_incidents)
    yield from (incidents, automatic, times, slo, attainment, escalations, messages, repeats)


def _signature_metrics(report: Report) -> Iterator[Metric]:
    tenants = _gauge(
        "signature_tenants_affected", "Tenants hit by a failure signature", ["signature"]
    )
    impact = _gauge(
        "signature_impact_minutes", "Impact minutes of a failure signature", ["signature"]
    )
    for s in report.signatures:
        tenants.add_metric([s.signature_id], s.tenants_affected)
        impact.add_metric([s.signature_id], s.impact_minutes)
    yield from (tenants, impact)


def _review_metrics(report: Report) -> Iterator[Metric]:
    rate = _gauge(
        "false_positive_ratio", "False-positive share of reviewed alerts", ["dimension", "value"]
    )
    reviewed = _gauge("reviewed_alerts", "Reviewed alerts", ["dimension", "value"])
    for dimension, rates in report.false_positives.items():
        for r in rates:
            reviewed.add_metric([dimension, r.value], r.reviewed)
            if r.rate is not None:
                rate.add_metric([dimension, r.value], r.rate)
    unreviewed = _gauge("unreviewed", "Still to review", ["kind"])
    u = report.unreviewed
    for kind, value in (
        ("incidents", u.incidents),
        ("alerts", u.alerts),
        ("alert_groups", u.alert_groups),
    ):
        unreviewed.add_metric([kind], value)
    yield from (rate, reviewed, unreviewed)


def install(runtime: Runtime) -> None:
    """Register the collector on this app's registry (an on_start hook)."""
    collector = ReportCollector(runtime)
    runtime.metrics.registry.register(collector)
    runtime.metrics.refreshers.append(collector.refresh)
