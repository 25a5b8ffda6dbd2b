"""The response clock's plan: reminder and escalation steps as rows with due times.

Steps are rows so a restart loses nothing; the scheduler (bot/scheduler.py) fires them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.domain import DomainConfig
from bot.incidents.models import ClockStep, Incident, StepKind, StepState


async def plan(
    session: AsyncSession, config: DomainConfig, incident: Incident, now: datetime
) -> list[ClockStep]:
    """Create the reminders (from opening) and escalations (from the deadline)."""
    steps: list[ClockStep] = []
    for i, offset in enumerate(config.response.reminders):
        due = incident.opened_at + offset
        if due >= incident.response_deadline:
            continue  # this tenant's SLO is shorter than the reminder: the deadline comes first
        steps.append(
            ClockStep(
                incident_id=incident.id,
                key=f"reminder:{i}",
                kind=StepKind.REMINDER,
                step_index=i,
                due_at=due,
            )
        )
    for i, step in enumerate(config.escalation_for(incident.tenant_id)):
        steps.append(
            ClockStep(
                incident_id=incident.id,
                key=f"escalation:{i}",
                kind=StepKind.ESCALATION,
                step_index=i,
                due_at=incident.response_deadline + step.after,
                targets=list(step.notify),
            )
        )
    session.add_all(steps)
    await session.flush()
    return steps


async def stop(session: AsyncSession, incident: Incident, now: datetime) -> int:
    """Acknowledgement stops the clock: cancel the reminders and escalations still pending."""
    result = await session.execute(
        update(ClockStep)
        .where(
            ClockStep.incident_id == incident.id,
            ClockStep.state == StepState.PENDING,
            ClockStep.kind.in_([StepKind.REMINDER, StepKind.ESCALATION]),
        )
        .values(state=StepState.CANCELLED)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
