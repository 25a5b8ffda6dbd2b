"""Read-only questions about incidents for listings: what is open, for whom, how urgent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.loader import Domain
from bot.incidents.models import Incident
from bot.incidents.states import ACTIVE, IncidentStatus
from bot.tenants.models import Tenant


@dataclass(frozen=True)
class IncidentRow:
    id: int
    number: int
    tenant_id: str | None
    severity: str
    signature_title: str
    status: IncidentStatus
    channel_id: str | None
    opened_at: datetime
    response_deadline: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    all_alerts_resolved: bool

    @classmethod
    def of(cls, incident: Incident) -> IncidentRow:
        return cls(
            incident.id,
            incident.number,
            incident.tenant_id,
            incident.severity,
            incident.signature_title,
            incident.status,
            incident.channel_id,
            incident.opened_at,
            incident.response_deadline,
            incident.acknowledged_at,
            incident.acknowledged_by,
            incident.all_alerts_resolved,
        )

    def overdue(self, now: datetime) -> bool:
        return self.acknowledged_at is None and now > self.response_deadline


@dataclass(frozen=True)
class TenantGroup:
    """One tenant and its open incidents (the tenant may have none)."""

    tenant_id: str | None
    name: str
    tier: str | None
    incidents: tuple[IncidentRow, ...]


async def open_incidents(session: AsyncSession) -> list[IncidentRow]:
    """Every incident not yet resolved, the most urgent (earliest deadline) first."""
    rows = await session.scalars(
        select(Incident)
        .where(Incident.status.in_(list(ACTIVE)))
        .order_by(Incident.response_deadline, Incident.id)
    )
    return [IncidentRow.of(i) for i in rows.all()]


async def open_by_tenant(
    session: AsyncSession, domain: Domain, *, include_quiet_key_tenants: bool = False
) -> list[TenantGroup]:
    """Open incidents grouped by tenant: key tenants in crebot.yaml's order, then others.

    With `include_quiet_key_tenants`, key tenants without open incidents are listed too
    (the App Home shows every key tenant at a glance).
    """
    incidents = await open_incidents(session)
    by_tenant: dict[str | None, list[IncidentRow]] = {}
    for row in incidents:
        by_tenant.setdefault(row.tenant_id, []).append(row)
    groups: list[TenantGroup] = []
    for tenant in domain.config.tenants:
        found = tuple(by_tenant.pop(tenant.id, []))
        if found or include_quiet_key_tenants:
            groups.append(TenantGroup(tenant.id, tenant.name, tenant.tier, found))
    others = sorted(by_tenant, key=lambda t: (t is None, t or ""))
    names = await _names(session, [t for t in others if t is not None])
    for tenant_id in others:
        name = names.get(tenant_id or "", tenant_id or "Platform (all tenants)")
        groups.append(TenantGroup(tenant_id, name, None, tuple(by_tenant[tenant_id])))
    return groups


async def _names(session: AsyncSession, tenant_ids: list[str]) -> dict[str, str]:
    if not tenant_ids:
        return {}
    rows = await session.scalars(select(Tenant).where(Tenant.id.in_(tenant_ids)))
    return {t.id: t.name for t in rows.all()}
