"""Saving the intake: every save is a new revision, the highest one is the intake.

Earlier revisions are kept (who said what, when); each save adds a timeline entry naming
the fields it changed, and carries its consequences to the incident: a new owner is
invited and told (through the outbox), a promised next update is put on the clock, the
customer's report time is recorded, and the pinned header is redrawn.

Services take a session and never commit; the edge that opened the unit of work does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.domain import DomainConfig
from bot.incidents import clock as response_clock
from bot.incidents.models import DetectedBy, Incident
from bot.incidents.service import refresh_header
from bot.incidents.timeline import EntryKind, add_entry
from bot.intake.fields import ONCALL, IntakeFields, changed_fields, missing_fields
from bot.intake.models import IntakeRevision
from bot.outbox.queue import enqueue

# Outbox operations the Slack side of the intake handles (bot/slack/intake_ops.py).
ANNOUNCE = "intake.announce"  # tell the incident channel (and a declarer) what was saved
OWNER_CHANGED = "intake.owner"  # invite the new owning team and tell its channel


async def current(session: AsyncSession, incident_id: int) -> IntakeRevision | None:
    """The intake as it stands: the highest revision, or None before the first save."""
    return await session.scalar(
        select(IntakeRevision)
        .where(IntakeRevision.incident_id == incident_id)
        .order_by(IntakeRevision.revision.desc())
        .limit(1)
    )


async def revisions(session: AsyncSession, incident_id: int) -> list[IntakeRevision]:
    rows = await session.scalars(
        select(IntakeRevision)
        .where(IntakeRevision.incident_id == incident_id)
        .order_by(IntakeRevision.revision)
    )
    return list(rows.all())


def is_customer_reported(incident: Incident) -> bool:
    return incident.detected_by == DetectedBy.CUSTOMER


async def save_revision(
    session: AsyncSession,
    incident: Incident,
    fields: IntakeFields,
    user: str,
    now: datetime,
    *,
    config: DomainConfig | None = None,
    announce: dict[str, Any] | None = None,
) -> IntakeRevision:
    """Add a revision with `fields`, a timeline entry, and the consequences of the change.

    Two people saving at once race for the same revision number; the unique
    (incident_id, revision) constraint makes one of them fail, and the outbox retries it
    on top of the winner's revision. `config` sets the update reminder's lead time;
    `announce` rides along to the channel message.
    """
    previous = await current(session, incident.id)
    before = IntakeFields.of(previous) if previous is not None else None
    number = previous.revision + 1 if previous is not None else 1
    row = IntakeRevision(
        incident_id=incident.id,
        revision=number,
        created_at=now,
        created_by=user,
        **fields.columns(),
    )
    session.add(row)
    await session.flush()
    changed = changed_fields(before, fields)
    missing = missing_fields(row, customer_reported=is_customer_reported(incident))
    what = ", ".join(changed) if changed else "no changes"
    add_entry(
        session,
        incident.id,
        at=now,
        kind=EntryKind.INTAKE,
        actor=user,
        text=f"Intake revision {number} by <@{user}> ({what})",
        revision=number,
        changed=changed,
        missing=missing,
    )
    await _carry_over(session, incident, before, fields, user, now, number, config)
    await refresh_header(session, incident, now)
    await enqueue(
        session,
        ANNOUNCE,
        now=now,
        key=f"{ANNOUNCE}:{incident.id}:{number}",
        incident_id=incident.id,
        payload={"revision": number, "user": user, "changed": changed, **(announce or {})},
    )
    return row


async def _carry_over(
    session: AsyncSession,
    incident: Incident,
    before: IntakeFields | None,
    fields: IntakeFields,
    user: str,
    now: datetime,
    revision: int,
    config: DomainConfig | None,
) -> None:
    owner = fields.owner_team
    if owner and owner != (incident.owner_team or ONCALL):
        previous = incident.owner_team
        incident.owner_team = None if owner == ONCALL else owner
        add_entry(
            session,
            incident.id,
            at=now,
            kind=EntryKind.OWNER,
            actor=user,
            text=f"Owner changed from {previous or ONCALL} to {owner} by <@{user}>",
            previous=previous,
            owner=owner,
        )
        await enqueue(
            session,
            OWNER_CHANGED,
            now=now,
            key=f"{OWNER_CHANGED}:{incident.id}:{revision}",
            incident_id=incident.id,
            payload={"team": owner, "previous": previous, "user": user},
        )
    reported = fields.customer_reported_at
    if reported is not None and (
        incident.customer_reported_at is None or reported < incident.customer_reported_at
    ):
        incident.customer_reported_at = reported
    due = fields.next_update_at
    if due is not None and (before is None or before.next_update_at != due):
        # The promised next customer update goes on the clock, which reminds the channel.
        await response_clock.schedule_update_due(session, incident, due, now, config=config)
