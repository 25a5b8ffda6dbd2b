"""What a platform incident's header shows of the tenants it tracks (no Slack here).

summary(session, platform) -> StormSummary
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.models import Incident
from bot.ingest.alert import AlertStatus
from bot.ingest.models import AlertRecord
from bot.notifications.models import Notification, NotificationStatus

TENANTS_SHOWN = 30  # in the platform header; the API lists every one

N = NotificationStatus
WAITING = (N.DRAFT, N.PENDING_APPROVAL)
SENT = (N.APPROVED, N.DELIVERED, N.AWAITING_RELAY)


@dataclass(frozen=True)
class AffectedTenant:
    tenant_id: str
    incident_id: int
    number: int
    channel_id: str | None
    firing: int


@dataclass(frozen=True)
class StormSummary:
    """The tenants a platform incident tracks, as its header shows them."""

    platform_incident_id: int
    count: int
    shown: tuple[AffectedTenant, ...]  # the first TENANTS_SHOWN; the API has every one
    firing_tenants: int
    alert_count: int
    firing_count: int
    drafts_waiting: int  # customer messages not yet approved (draft or pending approval)
    sent: int  # approved: delivered, being delivered, or with the CSAMs to relay

    @property
    def ended(self) -> bool:
        """Every alert of every linked tenant resolved: the storm is over."""
        return self.count > 0 and self.alert_count > 0 and self.firing_count == 0


async def summary(session: AsyncSession, platform: Incident) -> StormSummary:
    children = (
        select(Incident.id).where(Incident.platform_incident_id == platform.id).scalar_subquery()
    )
    rows = (
        await session.execute(
            select(Incident.id, Incident.tenant_id, Incident.channel_id)
            .where(Incident.platform_incident_id == platform.id)
            .order_by(Incident.id)
        )
    ).all()
    counts = await session.execute(
        select(AlertRecord.incident_id, AlertRecord.status, func.count())
        .where(AlertRecord.incident_id.in_(children))
        .group_by(AlertRecord.incident_id, AlertRecord.status)
    )
    total, firing = 0, 0
    firing_by: dict[int, int] = {}
    for incident_id, status, n in counts.all():
        total += int(n)
        if str(status) == AlertStatus.FIRING.value and incident_id is not None:
            firing += int(n)
            firing_by[int(incident_id)] = int(n)
    messages = await session.execute(
        select(Notification.status, func.count())
        .where(Notification.incident_id.in_(children))
        .group_by(Notification.status)
    )
    by_status = {str(status): int(n) for status, n in messages.all()}
    shown = tuple(
        AffectedTenant(str(tenant), int(i), int(i), channel, firing_by.get(int(i), 0))
        for i, tenant, channel in rows[:TENANTS_SHOWN]
    )
    return StormSummary(
        platform_incident_id=platform.id,
        count=len(rows),
        shown=shown,
        firing_tenants=len(firing_by),
        alert_count=total,
        firing_count=firing,
        drafts_waiting=sum(by_status.get(s.value, 0) for s in WAITING),
        sent=sum(by_status.get(s.value, 0) for s in SENT),
    )
