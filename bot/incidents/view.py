"""What an incident looks like right now, gathered for display (no Slack here).

`header_view` reads everything the pinned header shows into a frozen `HeaderView`, so the
Block Kit builder is a pure function of it and tests can build one by hand. Other parts of
crebot show more of an incident by filling the optional fields at the end of `HeaderView`
(intake, customer notifications, the clock, storm-mode links) in `header_view`, and by
rendering them in bot/slack/blocks/header.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.loader import Domain
from bot.errors import NotFound, TemplateError
from bot.incidents import action_items
from bot.incidents.models import ClockStep, DetectedBy, Incident, IncidentKind, StepKind, StepState
from bot.incidents.states import ACTIVE, IncidentStatus
from bot.incidents.storm_view import StormSummary, summary
from bot.ingest.alert import AlertStatus
from bot.ingest.models import AlertRecord
from bot.intake.fields import missing_fields
from bot.intake.models import IntakeRevision
from bot.notifications.models import Notification
from bot.playbooks import UNCLASSIFIED, Playbook
from bot.playbooks.templates import render
from bot.tenants.models import Tenant


@dataclass(frozen=True)
class AlertDigest:
    """The first alert of the incident, as the monitoring tool described it (unescaped)."""

    summary: str
    description: str
    labels: dict[str, str]
    link: str | None  # where the whole text can be read: the alert's own link


@dataclass(frozen=True)
class IntakeSummary:
    revision: int
    by: str | None
    impact_start: datetime | None
    scope: str | None
    check_result: str | None
    # Public names of the fields a complete intake still lacks (bot.intake.fields).
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotificationSummary:
    kind: str
    status: str
    revision: int


@dataclass(frozen=True)
class PlatformLink:
    """Storm mode: the platform incident this one belongs to, or the tenants it tracks."""

    incident_id: int
    channel_id: str | None
    label: str


@dataclass(frozen=True)
class HeaderView:
    incident_id: int
    number: int
    tenant_id: str | None
    tenant_name: str
    signature_id: str
    signature_title: str
    severity: str
    status: IncidentStatus
    title: str
    owner_team: str | None
    opened_at: datetime
    response_deadline: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    false_positive: bool
    alert_count: int
    firing_count: int
    all_alerts_resolved: bool
    fastest_check_url: str | None
    fastest_check_label: str
    runbook: tuple[str, ...]
    now: datetime
    channel_id: str | None = None
    first_alert: AlertDigest | None = None
    # Sections other features fill in; None or empty hides them.
    intake: IntakeSummary | None = None
    notification: NotificationSummary | None = None
    escalations_fired: int = 0
    platform_links: tuple[PlatformLink, ...] = field(default=())
    # Resolve, review and learn (bot/incidents/resolution.py, review.py, action_items.py).
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    reviewed_at: datetime | None = None
    action_items: int = 0
    # Storm mode: the tenants a platform incident tracks (None for tenant incidents).
    storm: StormSummary | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def breached(self) -> bool:
        """The response SLO was missed: nobody acknowledged in time (or yet)."""
        if self.acknowledged_at is not None:
            return self.acknowledged_at > self.response_deadline
        return self.now > self.response_deadline

    @property
    def may_be_false_positive(self) -> bool:
        """Every alert resolved before anyone looked: offer "acknowledge as false positive"."""
        return self.all_alerts_resolved and self.acknowledged_at is None


def playbook_for(domain: Domain, signature_id: str) -> Playbook:
    """The incident's playbook; one removed by a reload since falls back to the built-in."""
    try:
        return domain.playbooks.get(signature_id)
    except NotFound:
        return UNCLASSIFIED


def tenant_context(domain: Domain, tenant_id: str | None, tenant_name: str) -> dict[str, Any]:
    configured = domain.config.tenant(tenant_id)
    return {
        "id": tenant_id or "",
        "name": tenant_name,
        "tier": configured.tier if configured else "standard",
        "timezone": configured.timezone if configured else "UTC",
    }


def template_context(domain: Domain, incident: Incident, tenant_name: str) -> dict[str, Any]:
    """The context playbook templates (fastest check, links) are rendered with."""
    return {
        "tenant": tenant_context(domain, incident.tenant_id, tenant_name),
        "incident": {
            "number": incident.number,
            "severity": incident.severity,
            "signature_title": incident.signature_title,
        },
        "impact": {"start": incident.opened_at.strftime("%d %b %Y, %H:%M UTC"), "end": None},
        "now_update": None,
        "next_update": None,
        "next_update_at": None,
    }


def render_or_none(source: str, context: dict[str, Any]) -> str | None:
    """A playbook URL for this incident; None when the template fails (the load-time check
    makes that rare, and a broken link must not stop the room from opening)."""
    try:
        return render(source, context)
    except TemplateError:
        return None


async def tenant_name(session: AsyncSession, domain: Domain, tenant_id: str | None) -> str:
    if tenant_id is None:
        return "all tenants"
    configured = domain.config.tenant(tenant_id)
    if configured is not None:
        return configured.name
    row = await session.get(Tenant, tenant_id)
    return row.name if row is not None else tenant_id


async def _alert_counts(session: AsyncSession, incident_id: int) -> tuple[int, int]:
    rows = await session.execute(
        select(AlertRecord.status, func.count())
        .where(AlertRecord.incident_id == incident_id)
        .group_by(AlertRecord.status)
    )
    counts = {str(status): int(n) for status, n in rows.all()}
    return sum(counts.values()), counts.get(AlertStatus.FIRING.value, 0)


async def _first_alert(session: AsyncSession, incident_id: int) -> AlertDigest | None:
    alert = await session.scalar(
        select(AlertRecord)
        .where(AlertRecord.incident_id == incident_id)
        .order_by(AlertRecord.received_at, AlertRecord.id)
        .limit(1)
    )
    if alert is None:
        return None
    link = next(
        (u for u in (alert.links or {}).values() if str(u).startswith(("https://", "http://"))),
        None,
    )
    return AlertDigest(alert.summary or "", alert.description or "", dict(alert.labels), link)


async def _intake(session: AsyncSession, incident: Incident) -> IntakeSummary | None:
    row = await session.scalar(
        select(IntakeRevision)
        .where(IntakeRevision.incident_id == incident.id)
        .order_by(IntakeRevision.revision.desc())
        .limit(1)
    )
    if row is None:
        return None
    missing = missing_fields(row, customer_reported=incident.detected_by == DetectedBy.CUSTOMER)
    return IntakeSummary(
        row.revision, row.created_by, row.impact_start, row.scope, row.check_result, tuple(missing)
    )


async def _notification(session: AsyncSession, incident_id: int) -> NotificationSummary | None:
    row = await session.scalar(
        select(Notification)
        .where(Notification.incident_id == incident_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(1)
    )
    if row is None:
        return None
    return NotificationSummary(str(row.kind), str(row.status), row.revision)


async def _escalations_fired(session: AsyncSession, incident_id: int) -> int:
    n = await session.scalar(
        select(func.count())
        .select_from(ClockStep)
        .where(
            ClockStep.incident_id == incident_id,
            ClockStep.kind == StepKind.ESCALATION,
            ClockStep.state == StepState.FIRED,
        )
    )
    return int(n or 0)


async def _platform_links(session: AsyncSession, incident: Incident) -> tuple[PlatformLink, ...]:
    links: list[PlatformLink] = []
    if incident.platform_incident_id is not None:
        parent = await session.get(Incident, incident.platform_incident_id)
        if parent is not None:
            links.append(
                PlatformLink(parent.id, parent.channel_id, f"Platform incident #{parent.number}")
            )
    if incident.kind == IncidentKind.PLATFORM:
        return tuple(links)  # its tenants are the storm summary's to show
    children = await session.scalars(
        select(Incident)
        .where(Incident.platform_incident_id == incident.id)
        .order_by(Incident.id)
        .limit(20)
    )
    for child in children.all():
        label = f"#{child.number} {child.tenant_id or 'untenanted'}"
        links.append(PlatformLink(child.id, child.channel_id, label))
    return tuple(links)


async def header_view(
    session: AsyncSession, domain: Domain, incident: Incident, now: datetime
) -> HeaderView:
    """Everything the pinned header shows, read in one go from the database."""
    playbook = playbook_for(domain, incident.signature_id)
    name = await tenant_name(session, domain, incident.tenant_id)
    total, firing = await _alert_counts(session, incident.id)
    storm = await summary(session, incident) if incident.kind == IncidentKind.PLATFORM else None
    if storm is not None:  # a platform incident's alerts are its tenants'
        total, firing = storm.alert_count, storm.firing_count
    context = template_context(domain, incident, name)
    return HeaderView(
        incident_id=incident.id,
        number=incident.number,
        tenant_id=incident.tenant_id,
        tenant_name=name,
        signature_id=incident.signature_id,
        signature_title=incident.signature_title,
        severity=incident.severity,
        status=incident.status,
        title=incident.title,
        owner_team=incident.owner_team,
        opened_at=incident.opened_at,
        response_deadline=incident.response_deadline,
        acknowledged_at=incident.acknowledged_at,
        acknowledged_by=incident.acknowledged_by,
        false_positive=incident.false_positive,
        alert_count=total,
        firing_count=firing,
        all_alerts_resolved=incident.all_alerts_resolved,
        fastest_check_url=render_or_none(playbook.fastest_check, context),
        fastest_check_label=playbook.fastest_check_label or "Fastest internal check",
        runbook=tuple(playbook.runbook),
        now=now,
        channel_id=incident.channel_id,
        first_alert=await _first_alert(session, incident.id),
        intake=await _intake(session, incident),
        notification=await _notification(session, incident.id),
        escalations_fired=await _escalations_fired(session, incident.id),
        platform_links=await _platform_links(session, incident),
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        reviewed_at=incident.reviewed_at,
        action_items=await action_items.count_for(session, incident.id),
        storm=storm,
    )
