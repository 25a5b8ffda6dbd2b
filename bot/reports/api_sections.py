"""What resolve, review and learn add to `GET /api/incidents/{id}` (bot.api.serialize lists
these in DETAIL_SECTIONS): the incident's figures, its review, its action items."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents import action_items
from bot.incidents.models import ClockStep, Incident, StepKind, StepState
from bot.ingest.models import AlertRecord
from bot.reports.facts import load_incident
from bot.reports.figures import Measure, SloOutcome, compute
from bot.reports.formatting import seconds


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def figures_section(session: AsyncSession, incident: Incident) -> dict[str, Any]:
    """Times in seconds (None until they happen), the response SLO outcome, the window."""
    # No clock here: the incident's own latest time stands in for "now" (an ongoing impact
    # shows no end), and an unacknowledged incident is breached once its deadline step
    # fired (bot.incidents.firing records that), pending before.
    known = [incident.acknowledged_at, incident.mitigated_at, incident.resolved_at]
    now = max([incident.opened_at, *(t for t in known if t is not None)])
    figures = compute((await load_incident(session, incident)).facts, now)
    slo = figures.slo
    if incident.acknowledged_at is None:
        slo = SloOutcome.BREACHED if await _deadline_fired(session, incident) else slo
    return {
        **{m.value: seconds(figures.times[m]) for m in Measure},
        "response_slo": slo.value,
        "detected_by": figures.detected_by.value,
        "impact_start": _iso(figures.impact_start),
        "impact_end": None if figures.ongoing else _iso(figures.impact_end),
        "mitigated_at": _iso(incident.mitigated_at),
        "resolved_at": _iso(incident.resolved_at),
    }


async def _deadline_fired(session: AsyncSession, incident: Incident) -> bool:
    fired = await session.scalar(
        select(ClockStep.id)
        .where(
            ClockStep.incident_id == incident.id,
            ClockStep.kind == StepKind.DEADLINE,
            ClockStep.state == StepState.FIRED,
        )
        .limit(1)
    )
    return fired is not None


async def review_section(session: AsyncSession, incident: Incident) -> dict[str, Any]:
    rows = await session.execute(
        select(AlertRecord.verdict, func.count())
        .where(AlertRecord.incident_id == incident.id)
        .group_by(AlertRecord.verdict)
    )
    counts = {"true_positive": 0, "false_positive": 0, "unreviewed": 0}
    for verdict, n in rows.all():
        counts[verdict.value if verdict is not None else "unreviewed"] += int(n)
    return {
        "reviewed_at": _iso(incident.reviewed_at),
        "note": incident.review_note,
        "false_positive": incident.false_positive,
        "alerts": counts,
    }


async def action_items_section(session: AsyncSession, incident: Incident) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "text": item.text,
            "owner": item.owner,
            "due": item.due_date.date().isoformat() if item.due_date else None,
            "created_by": item.created_by,
            "created_at": _iso(item.created_at),
            "done_at": _iso(item.done_at),
        }
        for item in await action_items.for_incident(session, incident.id)
    ]
