"""How the rest of the incident moves customer messages: the intake, mitigation, resolution.

Each is called by the service that made the change, in its transaction:

    intake_saved(...)            bot.intake (the edge that saved a revision)
    on_mitigated(...)            bot.incidents.resolution.mitigate
    offer_resolved_message(...)  bot.incidents.resolution.resolve
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.loader import Domain
from bot.errors import NotAllowed, TemplateError
from bot.incidents.models import Incident, IncidentKind
from bot.incidents.service import refresh_header
from bot.incidents.timeline import EntryKind, add_entry
from bot.intake.models import IntakeRevision
from bot.notifications import ops, queries
from bot.notifications.models import MessageKind, NotificationStatus
from bot.notifications.revisions import redraft
from bot.notifications.service import confirm_impact, draft
from bot.notifications.staleness import make_stale, mark_stale_for, staleness

S = NotificationStatus
CHECK_CONFIRMED = "confirmed"  # the intake's check_result when the check showed impact


async def intake_saved(
    session: AsyncSession,
    incident: Incident,
    intake: IntakeRevision,
    *,
    user: str,
    now: datetime,
    domain: Domain,
) -> None:
    """The intake feeds the drafts: ones crebot wrote are redrafted with what it says now,
    people's wording goes stale if the impact window moved, and a confirmed check confirms
    customer impact (approval is requested)."""
    for notification in await queries.live_for(session, incident.id):
        if await redraft(session, notification, incident, domain, now):
            await ops.redraw(session, notification, now)
            continue
        latest = await queries.latest(session, notification)
        reason = await staleness(session, notification, latest, incident)
        if reason is not None and latest.author is not None:
            await make_stale(session, notification, reason, now)
    if intake.check_result == CHECK_CONFIRMED:
        await confirm_impact(session, incident, user, now, domain=domain)
    await refresh_header(session, incident, now)


async def on_mitigated(session: AsyncSession, incident: Incident, now: datetime) -> int:
    return await mark_stale_for(
        session, incident, "the incident was mitigated", now, keep=frozenset({MessageKind.RESOLVED})
    )


async def offer_resolved_message(
    session: AsyncSession, domain: Domain, incident: Incident, now: datetime
) -> bool:
    """The resolve hook (bot.incidents.resolution): earlier drafts go stale and, if the
    customer's impact was confirmed, the resolved message is drafted and put up for
    approval. True when one now waits for approval."""
    await mark_stale_for(
        session, incident, "the incident was resolved", now, keep=frozenset({MessageKind.RESOLVED})
    )
    if incident.impact_confirmed_at is None or incident.kind != IncidentKind.TENANT:
        return False
    waiting = [
        n for n in await queries.live_for(session, incident.id) if n.kind == MessageKind.RESOLVED
    ]
    if waiting:
        return any(n.status == S.PENDING_APPROVAL for n in waiting)
    try:
        notification = await draft(
            session, incident, MessageKind.RESOLVED, now, domain=domain, author=None
        )
    except (TemplateError, NotAllowed) as exc:
        add_entry(
            session,
            incident.id,
            at=now,
            kind=EntryKind.NOTIFICATION,
            text=f"The resolved customer message could not be drafted: {exc}",
        )
        return False
    return notification.status == S.PENDING_APPROVAL
