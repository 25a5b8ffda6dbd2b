"""Opening incidents and moving them through their lifecycle (no Slack, no HTTP here).

Services take a session and never commit: the edge that opened the unit of work does.
Slack work is queued in the outbox in the same transaction as the change it reports.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, cast, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.domain import DomainConfig
from bot.db import JSONType, UTCDateTime
from bot.dbops import insert_ignore
from bot.errors import NotFound
from bot.incidents import clock as response_clock
from bot.incidents.models import DetectedBy, Incident, IncidentKind
from bot.incidents.states import IncidentStatus, check_transition
from bot.incidents.timeline import EntryKind, add_entry
from bot.outbox.models import OpStatus, OutboxOp
from bot.outbox.queue import enqueue
from bot.playbooks import Playbook

_OUTBOX: Table = OutboxOp.__table__  # type: ignore[assignment]
_INCIDENTS: Table = Incident.__table__  # type: ignore[assignment]

# Outbox operation kinds the incident room (the Slack side) handles.
OPEN_ROOM = "room.open"
REFRESH_HEADER = "room.header"
RESOLVED_NOTICE = "room.resolved_notice"


@dataclass(frozen=True)
class Opened:
    incident: Incident
    created: bool


async def open_or_get(
    session: AsyncSession,
    config: DomainConfig,
    *,
    tenant_id: str | None,
    playbook: Playbook,
    detected_by: DetectedBy,
    now: datetime,
    title: str,
    kind: IncidentKind = IncidentKind.TENANT,
    customer_reported_at: datetime | None = None,
    clock_starts_at: datetime | None = None,
) -> Opened:
    """The active incident for (tenant, signature), opening it if there is none.

    The database decides who opens it: the insert carries the unique `active_key`, so of two
    concurrent deliveries exactly one inserts and the other finds the winner's row.
    The response clock starts at `clock_starts_at` (a customer's report), else now.
    """
    active_key = Incident.make_active_key(tenant_id, playbook.id, kind)
    row: dict[str, Any] = {
        "kind": kind.value,
        "tenant_id": tenant_id,
        "signature_id": playbook.id,
        "signature_title": playbook.title,
        "owner_team": playbook.owner,
        "severity": str(playbook.severity),
        "title": title[:300],
        "status": IncidentStatus.OPEN.value,
        "active_key": active_key,
        "detected_by": detected_by.value,
        "opened_at": now,
        "response_deadline": (clock_starts_at or now) + config.slo_for(tenant_id),
        "customer_reported_at": customer_reported_at,
        "false_positive": False,
        "all_alerts_resolved": False,
        "slack_state": {},
    }
    created = await insert_ignore(session, Incident.__table__, row, ["active_key"]) == 1  # type: ignore[arg-type]
    incident = await session.scalar(
        select(Incident)
        .where(Incident.active_key == active_key)
        .execution_options(populate_existing=True)
    )
    if incident is None:  # pragma: no cover - the row was just inserted or found
        raise NotFound(f"incident {active_key} vanished")
    if created:
        who = "the customer" if detected_by == DetectedBy.CUSTOMER else "monitoring"
        add_entry(
            session,
            incident.id,
            at=now,
            kind=EntryKind.OPENED,
            text=f"Opened by crebot ({playbook.title}, detected by {who})",
        )
        await enqueue(
            session, OPEN_ROOM, now=now, key=f"{OPEN_ROOM}:{incident.id}", incident_id=incident.id
        )
        if kind == IncidentKind.TENANT:
            # Storm mode may link it to a platform incident first: then its clock is held.
            from bot.incidents import storm

            await storm.evaluate(session, config, incident, playbook, now)
        await response_clock.plan(session, config, incident, now)
        # Imported here: bot.notifications builds on this module.
        from bot.notifications.service import prepare_initial

        await prepare_initial(session, incident, now, config=config, playbook=playbook)
    return Opened(incident, created)


async def get(session: AsyncSession, incident_id: int) -> Incident:
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"there is no incident {incident_id}")
    return incident


async def by_channel(session: AsyncSession, channel_id: str) -> Incident | None:
    return await session.scalar(select(Incident).where(Incident.channel_id == channel_id))


async def refresh_header(session: AsyncSession, incident: Incident, now: datetime) -> None:
    """Ask for the pinned header to be redrawn (see `refresh_headers`)."""
    await refresh_headers(session, [incident.id], now)


async def refresh_headers(
    session: AsyncSession, incident_ids: Iterable[int], now: datetime
) -> None:
    """Ask for each incident's header to be redrawn, unless a redraw is already waiting: it
    draws the incident as it is when it runs, so one pending redraw covers every change.

    One INSERT … SELECT … WHERE NOT IN (pending redraws), whatever the number of incidents: a
    storm touches a hundred incidents per delivery, and a round trip each would cost more
    than storing the alerts.
    """
    ids = sorted(set(incident_ids))
    if not ids:
        return
    # Not correlated per incident: the outbox has no index on incident_id, so one pass over
    # its pending rows serves every incident of the batch.
    waiting = select(_OUTBOX.c.incident_id).where(
        _OUTBOX.c.kind == REFRESH_HEADER,
        _OUTBOX.c.status == OpStatus.PENDING.value,
        _OUTBOX.c.incident_id.in_(ids),
    )
    # Unique per incident and delivery, like the random keys `enqueue` makes.
    key = (
        literal(f"{REFRESH_HEADER}:")
        + cast(_INCIDENTS.c.id, String)
        + literal(f":{uuid.uuid4().hex}")
    )
    rows = select(
        literal(REFRESH_HEADER),
        key,
        _INCIDENTS.c.id,
        literal({}, JSONType()),
        literal({}, JSONType()),
        literal(OpStatus.PENDING.value),
        literal(0),
        literal(now, UTCDateTime()),
        literal(now, UTCDateTime()),
    ).where(_INCIDENTS.c.id.in_(ids), _INCIDENTS.c.id.not_in(waiting))
    columns = [
        "kind",
        "key",
        "incident_id",
        "payload",
        "progress",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
    ]
    await session.execute(insert(_OUTBOX).from_select(columns, rows))


async def announce_resolved(session: AsyncSession, incident: Incident, now: datetime) -> None:
    """Tell the support channel (when configured) that the incident is resolved, and redraw
    the header. Keyed by the resolve time: a reopened incident that resolves again is
    announced again, a retried request is not."""
    resolved_at = incident.resolved_at or now
    await enqueue(
        session,
        RESOLVED_NOTICE,
        now=now,
        key=f"{RESOLVED_NOTICE}:{incident.id}:{resolved_at.isoformat()}",
        incident_id=incident.id,
        payload={"resolved_at": resolved_at.isoformat()},
    )
    await refresh_header(session, incident, now)


def move(
    incident: Incident,
    target: IncidentStatus,
    now: datetime,
    actor: str | None,
    session: AsyncSession,
    note: str | None = None,
) -> None:
    """Change state through the lifecycle table, stamping the time the state is about."""
    previous = incident.status
    incident.status = check_transition(previous, target)
    if target == IncidentStatus.ACKNOWLEDGED and incident.acknowledged_at is None:
        incident.acknowledged_at, incident.acknowledged_by = now, actor
    elif target == IncidentStatus.MITIGATED:
        incident.mitigated_at = now
    elif target == IncidentStatus.RESOLVED:
        incident.resolved_at = now
        incident.active_key = None  # a new alert may open a new incident from now on
    elif target == IncidentStatus.REVIEWED:
        incident.reviewed_at = now
    if previous == IncidentStatus.RESOLVED and target == IncidentStatus.ACKNOWLEDGED:
        incident.resolved_at = None
        incident.active_key = Incident.make_active_key(
            incident.tenant_id, incident.signature_id, incident.kind
        )
    text = note or f"{previous.value} → {target.value}"
    add_entry(
        session,
        incident.id,
        at=now,
        kind=EntryKind.STATE,
        text=text,
        actor=actor,
        previous=previous.value,
        status=target.value,
    )


async def acknowledge(
    session: AsyncSession,
    incident: Incident,
    *,
    user: str,
    now: datetime,
    false_positive: bool = False,
) -> bool:
    """Acknowledge once; the response clock stops. False if it was already acknowledged."""
    if incident.acknowledged_at is not None:
        return False
    late = now - incident.response_deadline
    incident.acknowledged_at, incident.acknowledged_by = now, user
    incident.false_positive = false_positive
    if incident.status == IncidentStatus.OPEN:
        incident.status = check_transition(incident.status, IncidentStatus.ACKNOWLEDGED)
    verdict = "as a false positive " if false_positive else ""
    timing = (
        f"{int(late.total_seconds())}s after the deadline"
        if late.total_seconds() > 0
        else "within the response SLO"
    )
    add_entry(
        session,
        incident.id,
        at=now,
        kind=EntryKind.ACKNOWLEDGED,
        actor=user,
        text=f"Acknowledged {verdict}by <@{user}>, {timing}",
        false_positive=false_positive,
    )
    await response_clock.stop(session, incident, now)
    await refresh_header(session, incident, now)
    if incident.kind == IncidentKind.PLATFORM:
        # Every tenant incident it tracks is acknowledged at this moment too.
        from bot.incidents import storm

        await storm.acknowledge_linked(session, incident, user=user, now=now)
    return True


# A customer's report attached to an incident already open for its tenant and signature.
CUSTOMER_REPORT = "customer_report"


async def open_customer_reported(
    session: AsyncSession,
    config: DomainConfig,
    *,
    tenant_id: str,
    playbook: Playbook,
    reported_at: datetime,
    declarer: str,
    now: datetime,
    title: str,
) -> Opened:
    """Open the incident for an issue the customer reported (`/cre declare`).

    A new incident is `detected_by=customer`, its response clock starts at the report, and
    the declarer has acknowledged it. When the tenant already has an active incident with
    this signature, the report attaches to it instead: one active incident per tenant and
    signature is the invariant everything else relies on (alerts attach to it, the room and
    the clock belong to it), and a second room for the same failure would split the
    responders. Monitoring saw it first, so `detected_by` stays `monitoring`; the report
    time is recorded (the earliest, if several customers report) and goes on the timeline.
    Acknowledgement is left to the responders paged for it.
    """
    opened = await open_or_get(
        session,
        config,
        tenant_id=tenant_id,
        playbook=playbook,
        detected_by=DetectedBy.CUSTOMER,
        now=now,
        title=title,
        customer_reported_at=reported_at,
        clock_starts_at=reported_at,
    )
    incident = opened.incident
    if opened.created:
        await acknowledge(session, incident, user=declarer, now=now)
        return opened
    if incident.customer_reported_at is None or reported_at < incident.customer_reported_at:
        incident.customer_reported_at = reported_at
    add_entry(
        session,
        incident.id,
        at=now,
        kind=CUSTOMER_REPORT,
        actor=declarer,
        text=f"The customer reported this too; <@{declarer}> attached the report",
        reported_at=reported_at.isoformat(),
    )
    await refresh_header(session, incident, now)
    return opened
