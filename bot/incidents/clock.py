"""The response clock's plan: every step an incident's clock will take, as rows with due times.

    plan(session, config, incident, now)         reminders, the deadline, the escalation chain
    stop(session, incident, now)                 acknowledgement: cancel what is still to come
    stop_all(session, incident)                  resolution: cancel everything still to come
    suspend(session, incident)                   linked to a platform incident: hold the steps
    resume(session, incident, now)               unlinked again: the incident's own clock runs
    schedule_update_due(session, incident, due_at, now, config=)    customer update cadence

Steps are rows so a restart loses nothing: bot/incidents/firing.py claims and fires them
exactly once, bot/scheduler.py decides when, and bot/incidents/clock_view.py says what the
clock shows. Services take a session and never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.domain import DomainConfig, ResponseConfig
from bot.incidents.models import ClockStep, Incident, StepKind, StepState
from bot.incidents.states import ACTIVE

# The steps acknowledgement stops. Customer-update steps keep running after it.
RESPONSE_KINDS = (StepKind.REMINDER, StepKind.DEADLINE, StepKind.ESCALATION)
# A step that has not fired yet: waiting for its time, or held while platform-linked.
NOT_YET = (StepState.PENDING, StepState.SUSPENDED)


def _initial_state(incident: Incident) -> StepState:
    return StepState.SUSPENDED if incident.platform_incident_id is not None else StepState.PENDING


async def plan(
    session: AsyncSession, config: DomainConfig, incident: Incident, now: datetime
) -> list[ClockStep]:
    """Create the reminders (from the clock's start), the deadline, and the escalations
    (from the deadline).

    The clock starts when crebot opened the incident, or for a customer's report when the
    customer reported it; either way it is the deadline less the SLO.
    """
    state = _initial_state(incident)
    deadline = incident.response_deadline
    start = deadline - config.slo_for(incident.tenant_id)
    steps: list[ClockStep] = []
    for i, offset in enumerate(config.response.reminders):
        due = start + offset
        if due >= deadline:
            continue  # this tenant's SLO is shorter than the reminder: the deadline comes first
        if due <= now:
            continue  # a late report: this reminder's moment has passed already
        steps.append(_step(incident, f"reminder:{i}", StepKind.REMINDER, i, due, state))
    slo = int((deadline - start).total_seconds())
    steps.append(
        _step(incident, "deadline", StepKind.DEADLINE, 0, deadline, state, slo_seconds=slo)
    )
    chain = config.escalation_for(incident.tenant_id)
    for i, link in enumerate(chain):
        step = _step(
            incident, f"escalation:{i}", StepKind.ESCALATION, i, deadline + link.after, state
        )
        step.targets = list(link.notify)
        step.data = {"of": len(chain)}
        steps.append(step)
    session.add_all(steps)
    await session.flush()
    return steps


def _step(
    incident: Incident,
    key: str,
    kind: StepKind,
    index: int,
    due: datetime,
    state: StepState,
    **data: object,
) -> ClockStep:
    return ClockStep(
        incident_id=incident.id,
        key=key,
        kind=kind,
        step_index=index,
        due_at=due,
        state=state,
        targets=[],
        data=dict(data),
    )


async def stop(session: AsyncSession, incident: Incident, now: datetime) -> int:
    """Acknowledgement stops the clock: cancel the reminders, deadline and escalations that
    have not fired (held ones too). Returns how many were cancelled.

    The database decides a race with the scheduler: this UPDATE and the scheduler's claim
    both require `state='pending'`, so each step ends up either cancelled or fired, never
    both. See firing.py for an acknowledgement in the same second as the deadline.
    """
    return await _cancel(session, incident.id, RESPONSE_KINDS)


async def stop_all(session: AsyncSession, incident: Incident) -> int:
    """Resolution: nothing more is due for this incident, customer updates included."""
    return await _cancel(session, incident.id, tuple(StepKind))


async def _cancel(session: AsyncSession, incident_id: int, kinds: tuple[StepKind, ...]) -> int:
    result = await session.execute(
        update(ClockStep)
        .where(
            ClockStep.incident_id == incident_id,
            ClockStep.state.in_(NOT_YET),
            ClockStep.kind.in_(kinds),
        )
        .values(state=StepState.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def suspend(session: AsyncSession, incident: Incident) -> int:
    """While a tenant incident is linked to a platform incident, the platform incident's
    clock drives it: its own pending steps are held (not cancelled) until `resume`."""
    result = await session.execute(
        update(ClockStep)
        .where(ClockStep.incident_id == incident.id, ClockStep.state == StepState.PENDING)
        .values(state=StepState.SUSPENDED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def resume(session: AsyncSession, incident: Incident, now: datetime) -> list[ClockStep]:
    """Unlinked from its platform incident: the incident's own clock runs again.

    Held steps keep their due times. The deadline and escalations that fell due while held
    fire at once, in order (the incident is overdue and nobody acknowledged it); reminders
    that fell due are dropped, since a reminder of a deadline already gone is noise. An
    incident acknowledged or resolved meanwhile gets nothing back. Returns the steps that
    are pending again.
    """
    held = list(
        (
            await session.scalars(
                select(ClockStep)
                .where(ClockStep.incident_id == incident.id, ClockStep.state == StepState.SUSPENDED)
                .order_by(ClockStep.due_at, ClockStep.id)
            )
        ).all()
    )
    resumed: list[ClockStep] = []
    finished = incident.status not in ACTIVE
    for step in held:
        if finished or (incident.acknowledged_at is not None and step.kind in RESPONSE_KINDS):
            step.state = StepState.CANCELLED
        elif step.kind == StepKind.REMINDER and step.due_at <= now:
            step.state = StepState.CANCELLED
        else:
            step.state = StepState.PENDING
            resumed.append(step)
    await session.flush()
    return resumed


async def schedule_update_due(
    session: AsyncSession,
    incident: Incident,
    due_at: datetime | None,
    now: datetime,
    *,
    config: DomainConfig | None = None,
) -> ClockStep | None:
    """The customer was told something: the next update is due at `due_at` (the time the
    message promised), else `response.update_every` from now. Replaces any update steps
    still pending, and adds a reminder in the channel `response.update_reminder_before`
    earlier. Returns the due step, or None for an incident that is no longer active.
    """
    if incident.status not in ACTIVE:
        return None
    response = config.response if config is not None else ResponseConfig()
    due = due_at if due_at is not None else now + response.update_every
    await _cancel(session, incident.id, (StepKind.UPDATE_DUE,))
    # Each schedule gets the next number, so keys stay unique beside the cancelled ones.
    count = await session.scalar(
        select(func.count())
        .select_from(ClockStep)
        .where(
            ClockStep.incident_id == incident.id,
            ClockStep.kind == StepKind.UPDATE_DUE,
            ClockStep.key.like("update:%:due"),
        )
    )
    n = int(count or 0)
    state = _initial_state(incident)
    data = {"update_due_at": due.isoformat()}
    steps: list[ClockStep] = []
    soon = due - response.update_reminder_before
    if soon > now:
        steps.append(
            _step(
                incident,
                f"update:{n}:soon",
                StepKind.UPDATE_DUE,
                n,
                soon,
                state,
                phase="soon",
                **data,
            )
        )
    due_step = _step(
        incident, f"update:{n}:due", StepKind.UPDATE_DUE, n, due, state, phase="due", **data
    )
    steps.append(due_step)
    session.add_all(steps)
    await session.flush()
    return due_step
