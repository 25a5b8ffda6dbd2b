"""Drafts that can no longer be sent as is: the incident moved on after they were written.

`mark_stale_for` is called when it happens (mitigation, resolution, a newer draft, a moved
impact window); `staleness` recomputes it from the rows when someone approves, so a change
that nobody announced still cannot slip through.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.models import Incident
from bot.incidents.service import refresh_header
from bot.notifications import ops, queries
from bot.notifications.context import alert_start, impact_window, intake_at, latest_intake
from bot.notifications.journal import record
from bot.notifications.models import (
    MessageKind,
    Notification,
    NotificationRevision,
    NotificationStatus,
)
from bot.notifications.rules import LIVE, stale_reason

S = NotificationStatus


async def mark_stale_for(
    session: AsyncSession,
    incident: Incident,
    reason: str,
    now: datetime,
    *,
    keep: frozenset[MessageKind] = frozenset(),
) -> int:
    """Drafts not yet decided can no longer be sent as is; `keep` spares some kinds (a
    `resolved` message when the incident resolves). Returns how many went stale."""
    count = 0
    for notification in await queries.live_for(session, incident.id):
        if notification.kind in keep:
            continue
        await make_stale(session, notification, reason, now)
        count += 1
    if count:
        await refresh_header(session, incident, now)
    return count


async def make_stale(
    session: AsyncSession, notification: Notification, reason: str, now: datetime
) -> bool:
    result = await session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.status.in_(list(LIVE)))
        .values(status=S.STALE, stale_reason=reason[:200])
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.refresh(notification)
    record(
        session,
        notification,
        action="stale",
        at=now,
        actor=None,
        revision=notification.revision,
        text=None,
        timeline=f"Customer message ({notification.kind.value}) is stale: {reason}",
        reason=reason,
    )
    await ops.redraw(session, notification, now)
    return True


async def staleness(
    session: AsyncSession,
    notification: Notification,
    latest: NotificationRevision,
    incident: Incident,
) -> str | None:
    """Why the latest revision can no longer be sent as is (see rules.stale_reason)."""
    fallback = await alert_start(session, incident)
    then = impact_window(await intake_at(session, incident.id, latest.created_at), fallback)
    current = impact_window(await latest_intake(session, incident.id), fallback)
    return stale_reason(
        kind=notification.kind,
        written_at=latest.created_at,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        window_then=then,
        window_now=current,
    )
