"""The per-tenant reliability report over a period, compared with the period before it.

    build(period, rows, alert_counts, tenants, now, tenant=None) -> Report   (pure)
    generate(session, period, now, tenant=None) -> Report                    (loads, then builds)

Every figure attaches to the incidents opened in the period: their times, their
escalations, their customer messages. Repeat incidents are those with an earlier incident of
the same tenant and signature opened within the 30 days before them (the earlier one may
lie before the period). Failure signatures are ranked by how many tenants they hit, then by
total impact minutes, so the widest problem tops the list rather than the loudest customer.
False-positive rates count reviewed alerts received in the period.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.models import DetectedBy
from bot.ingest.models import Verdict
from bot.reports.facts import (
    AlertCount,
    IncidentRow,
    TenantInfo,
    load_alert_counts,
    load_incidents,
    load_tenants,
)
from bot.reports.figures import IncidentFigures, Measure, SloOutcome, compute
from bot.reports.stats import duration_quantile, ratio

REPEAT_WINDOW = timedelta(days=30)
NO_VALUE = "(none)"  # an alert without an alertname or signature, in the rates tables


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime

    @classmethod
    def ending(cls, until: datetime, length: timedelta) -> Period:
        return cls(until - length, until)

    @property
    def length(self) -> timedelta:
        return self.until - self.since

    def previous(self) -> Period:
        return Period(self.since - self.length, self.since)

    def __contains__(self, when: datetime) -> bool:
        # (since, until]: a report "until now" includes what opened this instant, and
        # consecutive periods never share an incident.
        return self.since < when <= self.until


@dataclass(frozen=True)
class Spread:
    """Median and p90 of one measure over the incidents that have it."""

    median: timedelta | None
    p90: timedelta | None
    count: int


@dataclass(frozen=True)
class TenantFigures:
    tenant_id: str
    incidents: int
    detected_automatically: int
    times: dict[Measure, Spread]
    slo_met: int
    slo_breached: int
    escalations: int
    customer_messages: int
    repeat_incidents: int
    impact_minutes: float

    @property
    def automatic_share(self) -> float | None:
        return ratio(self.detected_automatically, self.incidents)

    @property
    def slo_attainment(self) -> float | None:
        return ratio(self.slo_met, self.slo_met + self.slo_breached)


@dataclass(frozen=True)
class TenantReport:
    tenant_id: str
    name: str
    current: TenantFigures
    previous: TenantFigures


@dataclass(frozen=True)
class SignatureRank:
    rank: int
    signature_id: str
    title: str
    tenants: tuple[str, ...]
    incidents: int
    impact_minutes: float

    @property
    def tenants_affected(self) -> int:
        return len(self.tenants)


@dataclass(frozen=True)
class FalsePositiveRate:
    value: str
    reviewed: int
    false_positives: int

    @property
    def rate(self) -> float | None:
        return ratio(self.false_positives, self.reviewed)


@dataclass(frozen=True)
class Unreviewed:
    incidents: int  # resolved, not yet reviewed
    alerts: int  # untenanted, non-key and unclassified alerts without a verdict
    alert_groups: int  # those alerts grouped by alertname and source


@dataclass(frozen=True)
class Report:
    period: Period
    previous_period: Period
    generated_at: datetime
    tenant_filter: str | None
    tenants: list[TenantReport]
    signatures: list[SignatureRank]
    false_positives: dict[str, list[FalsePositiveRate]]  # "signature" | "alertname" | "source"
    unreviewed: Unreviewed


def repeats(rows: Sequence[IncidentRow]) -> set[int]:
    """Ids of incidents with an earlier one of the same tenant and signature in 30 days."""
    by_key: dict[tuple[str | None, str], list[IncidentRow]] = defaultdict(list)
    for row in rows:
        by_key[(row.facts.tenant_id, row.facts.signature_id)].append(row)
    found: set[int] = set()
    for group in by_key.values():
        group.sort(key=lambda r: (r.facts.opened_at, r.facts.id))
        for earlier, later in itertools.pairwise(group):
            if later.facts.opened_at - earlier.facts.opened_at <= REPEAT_WINDOW:
                found.add(later.facts.id)
    return found


def _tenant_figures(
    tenant_id: str,
    rows: Sequence[IncidentRow],
    figures: dict[int, IncidentFigures],
    repeated: set[int],
) -> TenantFigures:
    times: dict[Measure, Spread] = {}
    for measure in Measure:
        values = [t for r in rows if (t := figures[r.facts.id].times[measure]) is not None]
        times[measure] = Spread(
            duration_quantile(values, 0.5), duration_quantile(values, 0.9), len(values)
        )
    outcomes = [figures[r.facts.id].slo for r in rows]
    return TenantFigures(
        tenant_id=tenant_id,
        incidents=len(rows),
        detected_automatically=sum(1 for r in rows if r.facts.detected_by == DetectedBy.MONITORING),
        times=times,
        slo_met=outcomes.count(SloOutcome.MET),
        slo_breached=outcomes.count(SloOutcome.BREACHED),
        escalations=sum(r.facts.escalations for r in rows),
        customer_messages=sum(r.facts.messages_sent for r in rows),
        repeat_incidents=sum(1 for r in rows if r.facts.id in repeated),
        impact_minutes=sum(figures[r.facts.id].impact.total_seconds() for r in rows) / 60,
    )


def _signatures(
    rows: Sequence[IncidentRow], figures: dict[int, IncidentFigures]
) -> list[SignatureRank]:
    grouped: dict[str, list[IncidentRow]] = defaultdict(list)
    for row in rows:
        grouped[row.facts.signature_id].append(row)
    unranked = []
    for signature, items in grouped.items():
        unranked.append(
            (
                signature,
                items[-1].facts.signature_title,
                tuple(sorted({r.facts.tenant_id for r in items if r.facts.tenant_id})),
                len(items),
                sum(figures[r.facts.id].impact.total_seconds() for r in items) / 60,
            )
        )
    unranked.sort(key=lambda s: (-len(s[2]), -s[4], -s[3], s[0]))
    return [SignatureRank(i + 1, *s) for i, s in enumerate(unranked)]


def _false_positives(counts: Iterable[AlertCount]) -> dict[str, list[FalsePositiveRate]]:
    tallies: dict[str, dict[str, list[int]]] = {
        "signature": defaultdict(lambda: [0, 0]),
        "alertname": defaultdict(lambda: [0, 0]),
        "source": defaultdict(lambda: [0, 0]),
    }
    for c in counts:
        if c.verdict is None:
            continue
        values = {
            "signature": c.signature_id or NO_VALUE,
            "alertname": c.alertname or NO_VALUE,
            "source": c.source,
        }
        for dimension, value in values.items():
            tally = tallies[dimension][value]
            tally[0] += c.count
            if c.verdict == Verdict.FALSE_POSITIVE:
                tally[1] += c.count
    out: dict[str, list[FalsePositiveRate]] = {}
    for dimension, by_value in tallies.items():
        rates = [FalsePositiveRate(v, reviewed, fp) for v, (reviewed, fp) in by_value.items()]
        rates.sort(key=lambda r: (-(r.rate or 0.0), -r.reviewed, r.value))
        out[dimension] = rates
    return out


def _unreviewed(rows: Sequence[IncidentRow], counts: Iterable[AlertCount]) -> Unreviewed:
    waiting = [c for c in counts if c.triage and c.verdict is None]
    return Unreviewed(
        incidents=sum(1 for r in rows if r.resolved and not r.reviewed),
        alerts=sum(c.count for c in waiting),
        alert_groups=len({(c.alertname, c.source) for c in waiting}),
    )


def build(
    period: Period,
    rows: Sequence[IncidentRow],
    alert_counts: Sequence[AlertCount],
    tenants: Sequence[TenantInfo],
    now: datetime,
    tenant: str | None = None,
) -> Report:
    """`rows` must reach back to the previous period's start less 30 days (for repeats)."""
    previous = period.previous()
    figures = {r.facts.id: compute(r.facts, now) for r in rows}
    repeated = repeats(rows)
    current_rows = [r for r in rows if r.facts.opened_at in period]
    previous_rows = [r for r in rows if r.facts.opened_at in previous]
    names = {t.id: t.name for t in tenants}
    listed = {t.id for t in tenants if t.is_key}
    listed |= {r.facts.tenant_id for r in current_rows + previous_rows if r.facts.tenant_id}
    if tenant is not None:
        listed = {tenant}
    reports = []
    for tenant_id in sorted(listed):
        now_rows = [r for r in current_rows if r.facts.tenant_id == tenant_id]
        before = [r for r in previous_rows if r.facts.tenant_id == tenant_id]
        reports.append(
            TenantReport(
                tenant_id,
                names.get(tenant_id, tenant_id),
                _tenant_figures(tenant_id, now_rows, figures, repeated),
                _tenant_figures(tenant_id, before, figures, repeated),
            )
        )
    return Report(
        period=period,
        previous_period=previous,
        generated_at=now,
        tenant_filter=tenant,
        tenants=reports,
        signatures=_signatures(current_rows, figures),
        false_positives=_false_positives(alert_counts),
        unreviewed=_unreviewed(current_rows, alert_counts),
    )


async def generate(
    session: AsyncSession, period: Period, now: datetime, tenant: str | None = None
) -> Report:
    history_start = period.previous().since - REPEAT_WINDOW
    rows = await load_incidents(session, history_start, period.until, tenant)
    counts = await load_alert_counts(session, period.since, period.until, tenant)
    tenants = await load_tenants(session)
    return build(period, rows, counts, tenants, now, tenant)
