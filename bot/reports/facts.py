"""Loading what the report is computed from, in a handful of grouped queries.

Incidents come with the few facts their figures need (latest intake, first alert, first
delivered customer message, fired escalations); alerts come as counts grouped by source,
alertname, signature and verdict, so a month of alert storms stays a small result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import UTCDateTime
from bot.incidents.alert_groups import triage_clause
from bot.incidents.models import ClockStep, Incident, IncidentKind, StepKind, StepState
from bot.ingest.models import AlertRecord, Verdict
from bot.intake.models import IntakeRevision
from bot.notifications.models import Notification
from bot.reports.figures import IncidentFacts
from bot.tenants.models import Tenant


@dataclass(frozen=True)
class IncidentRow:
    """Facts plus what the report groups and filters by."""

    facts: IncidentFacts
    resolved: bool
    reviewed: bool


@dataclass(frozen=True)
class AlertCount:
    source: str
    alertname: str | None
    signature_id: str | None
    verdict: Verdict | None
    triage: bool  # reviewed outside any incident (untenanted, non-key, unclassified)
    count: int


@dataclass(frozen=True)
class TenantInfo:
    id: str
    name: str
    is_key: bool


async def load_tenants(session: AsyncSession) -> list[TenantInfo]:
    rows = await session.scalars(select(Tenant).order_by(Tenant.id))
    return [TenantInfo(t.id, t.name, t.is_key) for t in rows.all()]


async def load_incidents(
    session: AsyncSession, since: datetime, until: datetime, tenant: str | None = None
) -> list[IncidentRow]:
    """Tenant incidents opened in (since, until] (see report.Period); storm-mode platform
    incidents are left out, since each tenant they touch has an incident of its own."""
    where: list[ColumnElement[bool]] = [
        Incident.opened_at > since,
        Incident.opened_at <= until,
        Incident.kind == IncidentKind.TENANT,
    ]
    if tenant is not None:
        where.append(Incident.tenant_id == tenant)
    return await _rows(session, where)


async def load_incident(session: AsyncSession, incident: Incident) -> IncidentRow:
    """The facts of one incident, whatever its kind."""
    [row] = await _rows(session, [Incident.id == incident.id])
    return row


# Only the columns the figures need: a quarter of incidents loads as plain rows, not as
# ORM objects with their JSON columns.
_COLUMNS = (
    Incident.id,
    Incident.tenant_id,
    Incident.signature_id,
    Incident.signature_title,
    Incident.detected_by,
    Incident.opened_at,
    Incident.response_deadline,
    Incident.acknowledged_at,
    Incident.mitigated_at,
    Incident.resolved_at,
    Incident.reviewed_at,
    Incident.customer_reported_at,
)


async def _rows(session: AsyncSession, where: Sequence[ColumnElement[bool]]) -> list[IncidentRow]:
    # The related tables are filtered by the same condition as a subquery, not by a list of
    # thousands of ids.
    ids = select(Incident.id).where(*where)
    incidents = (await session.execute(select(*_COLUMNS).where(*where).order_by(Incident.id))).all()
    if not incidents:
        return []
    intakes = await _latest_intakes(session, ids)
    first_alert = await _first_alerts(session, ids)
    messages = await _messages(session, ids)
    escalations = await _escalations(session, ids)
    rows = []
    for i in incidents:
        start, end, reported = intakes.get(i.id, (None, None, None))
        first_message, sent = messages.get(i.id, (None, 0))
        facts = IncidentFacts(
            id=i.id,
            tenant_id=i.tenant_id,
            signature_id=i.signature_id,
            signature_title=i.signature_title,
            detected_by=i.detected_by,
            opened_at=i.opened_at,
            response_deadline=i.response_deadline,
            acknowledged_at=i.acknowledged_at,
            mitigated_at=i.mitigated_at,
            resolved_at=i.resolved_at,
            impact_start=start,
            impact_end=end,
            customer_reported_at=reported or i.customer_reported_at,
            first_alert_start=first_alert.get(i.id),
            first_message_at=first_message,
            messages_sent=sent,
            escalations=escalations.get(i.id, 0),
        )
        rows.append(IncidentRow(facts, i.resolved_at is not None, i.reviewed_at is not None))
    return rows


Times = tuple[datetime | None, datetime | None, datetime | None]


async def _latest_intakes(session: AsyncSession, ids: Select[Any]) -> dict[int, Times]:
    """(impact start, impact end, customer reported at) of each incident's latest intake."""
    latest = (
        select(IntakeRevision.incident_id, func.max(IntakeRevision.revision).label("revision"))
        .where(IntakeRevision.incident_id.in_(ids))
        .group_by(IntakeRevision.incident_id)
        .subquery()
    )
    stmt = select(
        IntakeRevision.incident_id,
        IntakeRevision.impact_start,
        IntakeRevision.impact_end,
        IntakeRevision.customer_reported_at,
    ).join(
        latest,
        and_(
            IntakeRevision.incident_id == latest.c.incident_id,
            IntakeRevision.revision == latest.c.revision,
        ),
    )
    return {r[0]: (r[1], r[2], r[3]) for r in (await session.execute(stmt)).all()}


async def _first_alerts(session: AsyncSession, ids: Select[Any]) -> dict[int, datetime]:
    # Sources without start times (PagerDuty events) started, as far as crebot knows, when
    # the alert arrived.
    start = func.min(
        func.coalesce(AlertRecord.starts_at, AlertRecord.received_at), type_=UTCDateTime()
    )
    stmt = (
        select(AlertRecord.incident_id, start)
        .where(AlertRecord.incident_id.in_(ids))
        .group_by(AlertRecord.incident_id)
    )
    return {int(i): at for i, at in (await session.execute(stmt)).all() if i is not None and at}


async def _messages(
    session: AsyncSession, ids: Select[Any]
) -> dict[int, tuple[datetime | None, int]]:
    stmt = (
        select(
            Notification.incident_id,
            func.min(Notification.delivered_at, type_=UTCDateTime()),
            func.count(),
        )
        .where(Notification.incident_id.in_(ids), Notification.delivered_at.is_not(None))
        .group_by(Notification.incident_id)
    )
    return {int(i): (at, int(n)) for i, at, n in (await session.execute(stmt)).all()}


async def _escalations(session: AsyncSession, ids: Select[Any]) -> dict[int, int]:
    stmt = (
        select(ClockStep.incident_id, func.count())
        .where(
            ClockStep.incident_id.in_(ids),
            ClockStep.kind == StepKind.ESCALATION,
            ClockStep.state == StepState.FIRED,
        )
        .group_by(ClockStep.incident_id)
    )
    return {int(i): int(n) for i, n in (await session.execute(stmt)).all()}


async def load_alert_counts(
    session: AsyncSession, since: datetime, until: datetime, tenant: str | None = None
) -> list[AlertCount]:
    """Alerts received in (since, until], counted by what the false-positive rates and the
    unreviewed figures group by."""
    triage = case((triage_clause(), 1), else_=0).label("triage")
    where: list[ColumnElement[bool]] = [
        AlertRecord.received_at > since,
        AlertRecord.received_at <= until,
    ]
    if tenant is not None:
        where.append(AlertRecord.tenant == tenant)
    stmt = (
        select(
            AlertRecord.source,
            AlertRecord.alertname,
            AlertRecord.signature_id,
            AlertRecord.verdict,
            triage,
            func.count(),
        )
        .where(*where)
        .group_by(
            AlertRecord.source,
            AlertRecord.alertname,
            AlertRecord.signature_id,
            AlertRecord.verdict,
            triage,
        )
    )
    return [
        AlertCount(source, alertname, signature, verdict, bool(is_triage), int(n))
        for source, alertname, signature, verdict, is_triage, n in (
            await session.execute(stmt)
        ).all()
    ]
