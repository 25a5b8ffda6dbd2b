"""Per-incident figures: how fast an incident was detected, acknowledged, explained to the
customer, mitigated and resolved, and whether the response SLO held.

Pure functions over `IncidentFacts` (what bot.reports.facts loads from the database), so the
rules below are testable without a database:

- time to detect: from the impact start (the latest intake's, else the first alert's start)
  to the moment crebot opened the incident, or for customer reports to the time the
  customer reported it. A detection "before" the impact (an alert that fired ahead of the
  impact the intake records) counts as zero.
- every other time counts from the moment crebot opened the incident, when the response
  clock started: to acknowledge, to the first customer message delivered (time to clarity),
  to mitigate (an incident resolved without a mitigation step was mitigated when it was
  resolved), to resolve.
- response SLO: met when acknowledged by the deadline, breached when acknowledged later or
  still unacknowledged after it, pending before the deadline.
- impact window: from the impact start (intake, else first alert, else opening) to the
  intake's impact end, else mitigation, else resolution, else `now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.incidents.models import DetectedBy


class Measure(StrEnum):
    DETECT = "time_to_detect"
    ACKNOWLEDGE = "time_to_acknowledge"
    FIRST_MESSAGE = "time_to_first_message"  # time to clarity
    MITIGATE = "time_to_mitigate"
    RESOLVE = "time_to_resolve"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Measure.DETECT: "time to detect",
    Measure.ACKNOWLEDGE: "time to acknowledge",
    Measure.FIRST_MESSAGE: "time to first customer message",
    Measure.MITIGATE: "time to mitigate",
    Measure.RESOLVE: "time to resolve",
}


class SloOutcome(StrEnum):
    MET = "met"
    BREACHED = "breached"
    PENDING = "pending"


@dataclass(frozen=True)
class IncidentFacts:
    """What the figures of one incident are computed from."""

    id: int
    tenant_id: str | None
    signature_id: str
    signature_title: str
    detected_by: DetectedBy
    opened_at: datetime
    response_deadline: datetime
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    # From the latest intake revision, when there is one.
    impact_start: datetime | None = None
    impact_end: datetime | None = None
    customer_reported_at: datetime | None = None
    first_alert_start: datetime | None = None
    first_message_at: datetime | None = None  # first customer notification delivered
    messages_sent: int = 0
    escalations: int = 0  # escalation steps that fired


@dataclass(frozen=True)
class IncidentFigures:
    incident_id: int
    times: dict[Measure, timedelta | None]
    slo: SloOutcome
    detected_by: DetectedBy
    impact_start: datetime
    impact_end: datetime
    ongoing: bool  # the impact end is `now`: nothing says the impact stopped

    @property
    def impact(self) -> timedelta:
        return max(timedelta(0), self.impact_end - self.impact_start)


def _since(start: datetime, end: datetime | None) -> timedelta | None:
    return None if end is None else end - start


def impact_start(facts: IncidentFacts) -> datetime | None:
    """The intake's impact start, else the first alert's (None: nothing says)."""
    return facts.impact_start or facts.first_alert_start


def detected_at(facts: IncidentFacts) -> datetime:
    if facts.detected_by == DetectedBy.CUSTOMER and facts.customer_reported_at is not None:
        return facts.customer_reported_at
    return facts.opened_at


def slo_outcome(facts: IncidentFacts, now: datetime) -> SloOutcome:
    if facts.acknowledged_at is not None:
        return (
            SloOutcome.MET
            if facts.acknowledged_at <= facts.response_deadline
            else (SloOutcome.BREACHED)
        )
    return SloOutcome.BREACHED if now > facts.response_deadline else SloOutcome.PENDING


def compute(facts: IncidentFacts, now: datetime) -> IncidentFigures:
    opened = facts.opened_at
    start = impact_start(facts)
    detect = None if start is None else max(timedelta(0), detected_at(facts) - start)
    mitigated = facts.mitigated_at or facts.resolved_at
    times: dict[Measure, timedelta | None] = {
        Measure.DETECT: detect,
        Measure.ACKNOWLEDGE: _since(opened, facts.acknowledged_at),
        Measure.FIRST_MESSAGE: _since(opened, facts.first_message_at),
        Measure.MITIGATE: _since(opened, mitigated),
        Measure.RESOLVE: _since(opened, facts.resolved_at),
    }
    window_start = start or opened
    window_end = facts.impact_end or mitigated
    return IncidentFigures(
        incident_id=facts.id,
        times=times,
        slo=slo_outcome(facts, now),
        detected_by=facts.detected_by,
        impact_start=window_start,
        impact_end=window_end or max(now, window_start),
        ongoing=window_end is None,
    )
