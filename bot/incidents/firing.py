"""Firing clock steps exactly once, whatever the number of processes on the database.

A step fires by being *claimed*: one UPDATE moves it from `pending` to `fired` and stamps
`fired_at`, and only the transaction whose UPDATE changed the row goes on. On PostgreSQL the
candidates are picked with FOR UPDATE SKIP LOCKED, so two schedulers never wait on each
other's rows and never both win one. The Slack work of a fired step is queued in the outbox
in the same transaction (key `clock:<step id>`), so it is sent once even across a crash: a
crash before the commit leaves the step pending for the next claim, one after it leaves
the work queued.

An acknowledgement and the deadline in the same second: the rule is "whichever commits
first wins", and the database decides it, because `stop()` and the claim both change only
`pending` rows.

- Acknowledged first (at the due time or before it; the same second included): the step
  is cancelled and never fires.
- Claimed first: the step has fired and that is recorded (timeline, `fired_at`). Its Slack
  work checks the incident when it runs: if the acknowledgement is there by then, nobody is
  paged (the step is marked withdrawn, since nobody is escalated for an acknowledged
  incident); if the page already went out, it stands.

Either way the breach is judged on times alone (bot/incidents/clock_view.py): an
acknowledgement at or before the deadline is in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.clock import RESPONSE_KINDS
from bot.incidents.clock_view import human
from bot.incidents.models import ClockStep, Incident, StepKind, StepState
from bot.incidents.service import REFRESH_HEADER
from bot.incidents.states import ACTIVE
from bot.incidents.timeline import EntryKind, add_entry
from bot.outbox.queue import enqueue_many, outbox_row

# Outbox operation kinds for the Slack side of fired steps (bot/slack/clock_actions.py;
# approval reminders are the notifications feature's to handle).
OP_PREFIX = "clock."


def op_kind(kind: StepKind) -> str:
    return OP_PREFIX + kind.value


def op_key(step_id: int) -> str:
    return f"clock:{step_id}"


@dataclass(frozen=True)
class Fired:
    """One claimed step and what became of it: `fired`, or `cancelled`/`suspended` when the
    incident no longer wanted it (acknowledged, resolved, linked to a platform incident)."""

    step_id: int
    incident_id: int
    tenant_id: str | None
    kind: StepKind
    due_at: datetime
    fired_at: datetime
    outcome: StepState


async def claim_due(session: AsyncSession, now: datetime, *, limit: int = 200) -> list[ClockStep]:
    """Claim up to `limit` steps due at `now`; the steps returned are this transaction's.

    One statement selects and claims, so on SQLite the write lock is taken first (waiting
    out another writer instead of failing on a stale read), and on PostgreSQL the rows are
    locked with SKIP LOCKED and re-checked to be `pending` before they change.
    """
    candidates = (
        select(ClockStep.id)
        .where(ClockStep.state == StepState.PENDING, ClockStep.due_at <= now)
        .order_by(ClockStep.due_at, ClockStep.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = await session.scalars(
        update(ClockStep)
        .where(ClockStep.id.in_(candidates.scalar_subquery()), ClockStep.state == StepState.PENDING)
        .values(state=StepState.FIRED, fired_at=now)
        .returning(ClockStep)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return sorted(claimed.all(), key=lambda s: (s.due_at, s.id))


async def fire_due(session: AsyncSession, now: datetime, *, limit: int = 200) -> list[Fired]:
    """Claim the steps due at `now` and do each one's domain work; the caller commits.

    A handful of statements whatever the number of steps (claim, incidents, one insert
    into the outbox, the timeline at commit): many steps fall due together, and each one
    waits for the batch before it.
    """
    steps = await claim_due(session, now, limit=limit)
    if not steps:
        return []
    incident_ids = {s.incident_id for s in steps}
    incidents = {
        i.id: i
        for i in (await session.scalars(select(Incident).where(Incident.id.in_(incident_ids))))
    }
    work: list[dict[str, Any]] = []
    fired = [_fire(session, step, incidents[step.incident_id], now, work) for step in steps]
    if work:
        await enqueue_many(session, work)
    return fired


def _unwanted(step: ClockStep, incident: Incident, now: datetime) -> StepState | None:
    """Why a claimed step must not fire after all, as the state it goes to instead.

    `stop()` cancels on acknowledgement, but some paths set `acknowledged_at` without it
    (a lifecycle move), and storm mode may link an incident without suspending its steps:
    the claim is the last word.
    """
    if incident.status not in ACTIVE:
        return StepState.CANCELLED
    if step.kind in RESPONSE_KINDS and incident.acknowledged_at is not None:
        return StepState.CANCELLED
    if incident.platform_incident_id is not None:
        return StepState.SUSPENDED
    if step.kind == StepKind.REMINDER and now >= incident.response_deadline:
        # Caught up late (the process was down): the deadline's own steps say more.
        return StepState.CANCELLED
    return None


def _fire(
    session: AsyncSession,
    step: ClockStep,
    incident: Incident,
    now: datetime,
    work: list[dict[str, Any]],
) -> Fired:
    instead = _unwanted(step, incident, now)
    if instead is not None:
        step.state, step.fired_at = instead, None
    else:
        _record(session, step, incident, now, work)
    return Fired(step.id, incident.id, incident.tenant_id, step.kind, step.due_at, now, step.state)


def _record(
    session: AsyncSession,
    step: ClockStep,
    incident: Incident,
    now: datetime,
    work: list[dict[str, Any]],
) -> None:
    """The timeline entry and the queued Slack work of a step that fired."""
    kind, delay = op_kind(step.kind), timedelta(0)
    if step.kind == StepKind.REMINDER:
        left = human(incident.response_deadline - now)
        text = f"Reminder {step.step_index + 1}: not acknowledged, {left} to the deadline"
        add_entry(session, incident.id, at=now, kind=EntryKind.REMINDER, text=text, step_id=step.id)
    elif step.kind == StepKind.DEADLINE:
        slo = human(timedelta(seconds=int((step.data or {}).get("slo_seconds") or 0)))
        add_entry(
            session,
            incident.id,
            at=now,
            kind=EntryKind.ESCALATION,
            text=f"Response deadline missed: not acknowledged within the {slo} response SLO",
            step_id=step.id,
            breach=True,
            deadline=incident.response_deadline.isoformat(),
        )
        # Only the header shows the deadline; the escalation steps page people. Drawn a
        # second later, so the drawing's own "now" is past the deadline: at the deadline
        # itself an acknowledgement is still in time, and the header would say so.
        kind, delay = REFRESH_HEADER, timedelta(seconds=1)
    elif step.kind == StepKind.ESCALATION:
        of = int((step.data or {}).get("of") or step.step_index + 1)
        add_entry(
            session,
            incident.id,
            at=now,
            kind=EntryKind.ESCALATION,
            text=f"Escalation step {step.step_index + 1} of {of}: paging "
            + ", ".join(mention(t) for t in step.targets or []),
            step_id=step.id,
            targets=list(step.targets or []),
        )
    work.append(
        outbox_row(
            kind,
            now=now,
            key=op_key(step.id),
            incident_id=incident.id,
            payload={"step_id": step.id},
            delay=delay,
        )
    )


def mention(target: str) -> str:
    """Slack's mention syntax for a user (`U…`/`W…`) or a user group (`S…`)."""
    return f"<!subteam^{target}>" if target.startswith("S") else f"<@{target}>"
