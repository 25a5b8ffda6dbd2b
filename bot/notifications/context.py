"""What a customer-message template reads: the tenant, the incident, the impact window in the
tenant's timezone, what we can say now and next, and when the next update is due.

The context holds plain strings and dicts only, never ORM rows: templates render in a
sandbox, and a row would hand them a session, relationships and methods to poke at. Nothing
internal goes in either (alert names, hosts, dashboards), so customer text carries none of
it unless a template author writes it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.domain import DomainConfig, TenantConfig
from bot.errors import NotAllowed
from bot.incidents.models import Incident, IncidentKind
from bot.ingest.models import AlertRecord
from bot.intake.models import IntakeRevision
from bot.notifications.models import MessageKind
from bot.tenants.models import Tenant


@dataclass(frozen=True)
class TenantFacts:
    """The tenant as customer messages need it (crebot.yaml first, the synced row else)."""

    id: str
    name: str
    tier: str
    timezone: str
    csams: tuple[str, ...]
    customer_channel: str | None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def of_config(cls, t: TenantConfig) -> TenantFacts:
        return cls(t.id, t.name, t.tier, t.timezone, tuple(t.csams), t.customer_channel)


async def tenant_facts(
    session: AsyncSession, config: DomainConfig, tenant_id: str | None
) -> TenantFacts | None:
    """None for an incident without a tenant crebot knows: there is no customer to tell."""
    configured = config.tenant(tenant_id)
    if configured is not None:
        return TenantFacts.of_config(configured)
    if tenant_id is None:
        return None
    row = await session.get(Tenant, tenant_id)
    if row is None:
        return None
    return facts_from_row(row)


async def require_tenant(
    session: AsyncSession, config: DomainConfig, incident: Incident
) -> TenantFacts:
    """The incident's tenant, or NotAllowed: without a key tenant there is no customer."""
    tenant = None
    if incident.kind == IncidentKind.TENANT:
        tenant = await tenant_facts(session, config, incident.tenant_id)
    if tenant is None:
        raise NotAllowed(
            "This incident has no key tenant, so there is no customer to write to "
            "(storm mode: write from each tenant's own incident)."
        )
    return tenant


def facts_from_row(row: Tenant) -> TenantFacts:
    return TenantFacts(
        row.id, row.name, row.tier, row.timezone, tuple(row.csams or ()), row.customer_channel
    )


@dataclass(frozen=True)
class ImpactWindow:
    start: datetime
    end: datetime | None


def customer_time(when: datetime, zone: ZoneInfo) -> str:
    """'3 Mar 2025, 14:05 GMT': the customer's own clock, with its zone's abbreviation."""
    local = when.astimezone(zone)
    return f"{local.day} {local:%b %Y, %H:%M} {local.tzname()}"


async def latest_intake(session: AsyncSession, incident_id: int) -> IntakeRevision | None:
    return await session.scalar(
        select(IntakeRevision)
        .where(IntakeRevision.incident_id == incident_id)
        .order_by(IntakeRevision.revision.desc())
        .limit(1)
    )


async def intake_at(
    session: AsyncSession, incident_id: int, when: datetime
) -> IntakeRevision | None:
    """The intake as it stood at `when` (the newest revision saved by then)."""
    return await session.scalar(
        select(IntakeRevision)
        .where(IntakeRevision.incident_id == incident_id, IntakeRevision.created_at <= when)
        .order_by(IntakeRevision.revision.desc())
        .limit(1)
    )


async def alert_start(session: AsyncSession, incident: Incident) -> datetime:
    """When monitoring saw the impact begin: the earliest alert start, else the opening."""
    first = await session.scalar(
        select(func.min(AlertRecord.starts_at)).where(AlertRecord.incident_id == incident.id)
    )
    return first if first is not None else incident.opened_at


def impact_window(intake: IntakeRevision | None, fallback_start: datetime) -> ImpactWindow:
    """The intake's window when it states one, else the impact as monitoring saw it."""
    if intake is not None and intake.impact_start is not None:
        return ImpactWindow(intake.impact_start, intake.impact_end)
    return ImpactWindow(fallback_start, intake.impact_end if intake is not None else None)


@dataclass(frozen=True)
class DraftContext:
    """The template context, and the next-update time it promises (for the cadence)."""

    values: dict[str, Any]
    next_update_at: datetime | None


def next_update_time(
    kind: MessageKind, intake: IntakeRevision | None, config: DomainConfig, now: datetime
) -> datetime | None:
    """The promised time if the intake states one still ahead, else the configured cadence.
    A resolved message promises nothing more."""
    if kind == MessageKind.RESOLVED:
        return None
    if intake is not None and intake.next_update_at is not None and intake.next_update_at > now:
        return intake.next_update_at
    return now + config.response.update_every


def build_context(
    *,
    tenant: TenantFacts,
    incident: Incident,
    intake: IntakeRevision | None,
    window: ImpactWindow,
    kind: MessageKind,
    config: DomainConfig,
    now: datetime,
) -> DraftContext:
    zone = tenant.zone
    end = window.end
    if end is None and kind == MessageKind.RESOLVED:
        end = incident.mitigated_at or incident.resolved_at
    next_at = next_update_time(kind, intake, config, now)
    values: dict[str, Any] = {
        "tenant": {
            "id": tenant.id,
            "name": tenant.name,
            "tier": tenant.tier,
            "timezone": tenant.timezone,
        },
        "incident": {
            "number": incident.number,
            "severity": incident.severity,
            "signature_title": incident.signature_title,
        },
        "impact": {
            "start": customer_time(window.start, zone),
            "end": customer_time(end, zone) if end is not None else None,
        },
        "now_update": (intake.update_now or None) if intake is not None else None,
        "next_update": (intake.update_next or None) if intake is not None else None,
        "next_update_at": customer_time(next_at, zone) if next_at is not None else None,
    }
    return DraftContext(values, next_at)


async def context_for(
    session: AsyncSession,
    config: DomainConfig,
    tenant: TenantFacts,
    incident: Incident,
    kind: MessageKind,
    now: datetime,
) -> DraftContext:
    """The context for drafting `kind` now, read from the database."""
    intake = await latest_intake(session, incident.id)
    window = impact_window(intake, await alert_start(session, incident))
    return build_context(
        tenant=tenant,
        incident=incident,
        intake=intake,
        window=window,
        kind=kind,
        config=config,
        now=now,
    )
