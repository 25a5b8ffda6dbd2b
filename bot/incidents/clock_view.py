"""What an incident's response clock shows: the deadline, the breach, the escalations.

The breach is derived from the incident's own times rather than stored beside them, so it
can never disagree with them: the incident breached its response SLO when it was
acknowledged after `response_deadline`, or is still unacknowledged past it. An
acknowledgement at the deadline itself is in time.

    clock_view(incident, now) -> ClockView           the deadline, the breach, time to ack
    breach_fields(incident, now) -> dict             for the incident JSON
    fired_escalations(session, ids) -> {id: list}     for the incident JSON
    api_section(session, incident) -> dict           the incident JSON's `clock` section
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.models import ClockStep, DetectedBy, Incident, StepKind, StepState


@dataclass(frozen=True)
class NextStep:
    kind: StepKind
    due_at: datetime
    step: int  # 1-based position among the steps of its kind


@dataclass(frozen=True)
class ClockView:
    incident_id: int
    started_at: datetime  # when the clock started (see clock_start)
    deadline: datetime
    slo: timedelta
    acknowledged_at: datetime | None
    breached: bool
    # How far past the deadline: at the acknowledgement, or until `now` while nobody has.
    late_by: timedelta | None
    time_to_acknowledge: timedelta | None
    # Held while the incident is linked to a platform incident, whose clock drives it.
    held_by_platform: int | None

    @property
    def running(self) -> bool:
        """Still counting: nobody has acknowledged."""
        return self.acknowledged_at is None


def clock_start(incident: Incident) -> datetime:
    """When the response clock started: the customer's report for a customer-reported
    incident, else the moment crebot opened it."""
    reported = incident.customer_reported_at
    if incident.detected_by == DetectedBy.CUSTOMER and reported and reported <= incident.opened_at:
        return reported
    return incident.opened_at


def clock_view(incident: Incident, now: datetime) -> ClockView:
    deadline = incident.response_deadline
    start = clock_start(incident)
    acked = incident.acknowledged_at
    until = acked if acked is not None else now
    breached = until > deadline
    return ClockView(
        incident_id=incident.id,
        started_at=start,
        deadline=deadline,
        slo=deadline - start,
        acknowledged_at=acked,
        breached=breached,
        late_by=until - deadline if breached else None,
        time_to_acknowledge=acked - start if acked is not None else None,
        held_by_platform=incident.platform_incident_id,
    )


def breach_fields(incident: Incident, now: datetime) -> dict[str, Any]:
    """The clock's part of the incident JSON (times as aware datetimes, durations in s)."""
    view = clock_view(incident, now)
    return {
        "response_deadline": view.deadline,
        "time_to_acknowledge_seconds": _seconds(view.time_to_acknowledge),
        "breached": view.breached,
        "breached_by_seconds": _seconds(view.late_by),
    }


def human(delta: timedelta) -> str:
    """A duration the way people say it: 45s, 5m, 12m 30s, 1h 5m."""
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h"] if hours else []
    if minutes:
        parts.append(f"{minutes}m")
    if secs and not hours:
        parts.append(f"{secs}s")
    return " ".join(parts) or "0s"


async def api_section(session: AsyncSession, incident: Incident) -> dict[str, Any]:
    """The `clock` section of the incident JSON: the deadline, the breach, what is next.

    The API has no clock of its own, so an unacknowledged incident counts as breached once
    its deadline step fired, and how late it is shows once someone acknowledges.
    """
    upcoming = (await next_steps(session, [incident.id])).get(incident.id)
    deadline_fired = await session.scalar(
        select(ClockStep.id)
        .where(
            ClockStep.incident_id == incident.id,
            ClockStep.kind == StepKind.DEADLINE,
            ClockStep.state == StepState.FIRED,
        )
        .limit(1)
    )
    acked = incident.acknowledged_at is not None
    view = clock_view(incident, incident.acknowledged_at or incident.response_deadline)
    return {
        "started_at": _rfc3339(view.started_at),
        "response_deadline": _rfc3339(view.deadline),
        "slo_seconds": _seconds(view.slo),
        "time_to_acknowledge_seconds": _seconds(view.time_to_acknowledge),
        "breached": view.breached if acked else deadline_fired is not None,
        "breached_by_seconds": _seconds(view.late_by),
        "held_by_platform_incident": view.held_by_platform,
        "next_step": None
        if upcoming is None or acked
        else {"kind": upcoming.kind.value, "step": upcoming.step, "at": _rfc3339(upcoming.due_at)},
    }


def _rfc3339(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _seconds(delta: timedelta | None) -> float | None:
    return None if delta is None else round(delta.total_seconds(), 3)


async def fired_escalations(
    session: AsyncSession, incident_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """The escalation steps that fired, per incident, in order: `{at, step, targets, paged}`.

    One query for a whole page of incidents. `step` is the position in the chain (1 = first),
    `targets` what crebot.yaml named and `paged` the users they resolved to once the page
    went out. A step withdrawn because the incident was acknowledged before its Slack work
    ran is left out: nobody was paged.
    """
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not incident_ids:
        return found
    steps = await session.scalars(
        select(ClockStep)
        .where(
            ClockStep.incident_id.in_(list(incident_ids)),
            ClockStep.kind == StepKind.ESCALATION,
            ClockStep.state == StepState.FIRED,
        )
        .order_by(ClockStep.incident_id, ClockStep.step_index, ClockStep.id)
    )
    for step in steps:
        if (step.data or {}).get("withdrawn"):
            continue
        found[step.incident_id].append(
            {
                "at": step.fired_at or step.due_at,
                "step": step.step_index + 1,
                "targets": list(step.targets or []),
                "paged": list((step.data or {}).get("paged", [])),
            }
        )
    return found


async def escalations_for(session: AsyncSession, incident_id: int) -> list[dict[str, Any]]:
    return (await fired_escalations(session, [incident_id])).get(incident_id, [])


async def next_steps(session: AsyncSession, incident_ids: list[int]) -> dict[int, NextStep]:
    """The next pending response step (reminder, deadline, escalation) of each incident."""
    if not incident_ids:
        return {}
    rows = await session.scalars(
        select(ClockStep)
        .where(
            ClockStep.incident_id.in_(incident_ids),
            ClockStep.state == StepState.PENDING,
            ClockStep.kind.in_([StepKind.REMINDER, StepKind.DEADLINE, StepKind.ESCALATION]),
        )
        .order_by(ClockStep.due_at, ClockStep.id)
    )
    found: dict[int, NextStep] = {}
    for step in rows:
        found.setdefault(step.incident_id, NextStep(step.kind, step.due_at, step.step_index + 1))
    return found
