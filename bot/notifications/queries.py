"""Reading customer messages: one with its revisions, an incident's, what awaits a CSAM."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotFound
from bot.incidents.models import Incident
from bot.notifications.models import Notification, NotificationRevision, NotificationStatus
from bot.notifications.rules import LIVE


async def get(session: AsyncSession, notification_id: int, *, fresh: bool = False) -> Notification:
    """The message; `fresh` re-reads it even if this session holds it already."""
    stmt = select(Notification).where(Notification.id == notification_id)
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    row = await session.scalar(stmt)
    if row is None:
        raise NotFound(f"there is no customer message {notification_id}")
    return row


async def revision(
    session: AsyncSession, notification_id: int, number: int
) -> NotificationRevision:
    row = await session.scalar(
        select(NotificationRevision).where(
            NotificationRevision.notification_id == notification_id,
            NotificationRevision.revision == number,
        )
    )
    if row is None:
        raise NotFound(f"customer message {notification_id} has no revision {number}")
    return row


async def latest(session: AsyncSession, notification: Notification) -> NotificationRevision:
    return await revision(session, notification.id, notification.revision)


async def revisions(session: AsyncSession, notification_id: int) -> list[NotificationRevision]:
    rows = await session.scalars(
        select(NotificationRevision)
        .where(NotificationRevision.notification_id == notification_id)
        .order_by(NotificationRevision.revision)
    )
    return list(rows.all())


async def for_incident(
    session: AsyncSession, incident_id: int, statuses: Collection[NotificationStatus] | None = None
) -> list[Notification]:
    stmt = select(Notification).where(Notification.incident_id == incident_id)
    if statuses is not None:
        stmt = stmt.where(Notification.status.in_(list(statuses)))
    rows = await session.scalars(stmt.order_by(Notification.id))
    return list(rows.all())


async def live_for(session: AsyncSession, incident_id: int) -> list[Notification]:
    """Drafts not yet decided: waiting for impact confirmation or for approval."""
    return await for_incident(session, incident_id, LIVE)


@dataclass(frozen=True)
class Awaiting:
    """A message waiting for approval, for someone's App Home."""

    notification_id: int
    incident_id: int
    incident_number: int
    tenant_id: str
    kind: str
    revision: int
    requested_at: datetime
    channel_id: str | None
    message_ts: str | None


async def awaiting_approval(session: AsyncSession, tenant_ids: Collection[str]) -> list[Awaiting]:
    """Messages of these tenants waiting for approval, oldest request first."""
    if not tenant_ids:
        return []
    rows = await session.execute(
        select(Notification, Incident)
        .join(Incident, Incident.id == Notification.incident_id)
        .where(
            Notification.status == NotificationStatus.PENDING_APPROVAL,
            Incident.tenant_id.in_(list(tenant_ids)),
        )
        .order_by(Notification.approval_requested_at, Notification.id)
    )
    return [
        Awaiting(
            n.id,
            i.id,
            i.number,
            str(i.tenant_id),
            n.kind.value,
            n.revision,
            n.approval_requested_at or n.created_at,
            i.channel_id,
            n.approval_message_ts,
        )
        for n, i in rows.all()
    ]


def _iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when is not None else None


async def api_section(session: AsyncSession, incident: Incident) -> list[dict[str, Any]]:
    """The incident's customer messages for `GET /api/incidents/{id}` (times RFC 3339, UTC).

    `text` is the approved revision's once approved, else the latest draft's.
    """
    items: list[dict[str, Any]] = []
    for n in await for_incident(session, incident.id):
        shown = await revision(session, n.id, n.approved_revision or n.revision)
        items.append(
            {
                "id": n.id,
                "kind": n.kind.value,
                "status": n.status.value,
                "revision": n.revision,
                "text": shown.text,
                "approved_revision": n.approved_revision,
                "approved_by": n.approved_by,
                "approved_at": _iso(n.approved_at),
                "delivered_at": _iso(n.delivered_at),
                "delivered_channel": n.delivered_channel,
                "relayed_by": n.relayed_by,
                "rejected_by": n.rejected_by,
                "reject_reason": n.reject_reason,
                "stale_reason": n.stale_reason,
                "created_at": _iso(n.created_at),
            }
        )
    return items
