"""Approving and rejecting a customer message (the rules are in bot.notifications.rules).

Approval is decided by the database: one conditional UPDATE moves the message from
`pending_approval` at the revision the approver saw to `approved`, so of two clicks (a
double click, two approvers, two processes) exactly one approves, and the delivery it
queues is keyed by message and revision on top of that.

A refused attempt raises NotAllowed with the explanation for the person, after adding an
audit entry for it: the edge commits that entry before it answers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotAllowed, ValidationFailed
from bot.incidents.models import Incident
from bot.incidents.service import refresh_header
from bot.notifications import ops, queries
from bot.notifications.journal import record
from bot.notifications.models import Notification, NotificationRevision, NotificationStatus
from bot.notifications.rules import (
    Deciders,
    Refusal,
    Refused,
    Standing,
    approval_refusal,
    rejection_refusal,
)
from bot.notifications.staleness import make_stale, staleness
from bot.slack.text import escape

S = NotificationStatus
REASON_LIMIT = 2000


def standing(notification: Notification, latest: NotificationRevision) -> Standing:
    return Standing(
        status=notification.status,
        revision=notification.revision,
        author=latest.author,
        decided_by=notification.approved_by or notification.rejected_by,
        stale_reason=notification.stale_reason,
    )


def _refuse(
    session: AsyncSession,
    notification: Notification,
    refusal: Refusal,
    *,
    action: str,
    user: str,
    revision: int,
    now: datetime,
) -> NotAllowed:
    record(
        session,
        notification,
        action=f"{action}_refused",
        at=now,
        actor=user,
        revision=revision,
        text=None,
        code=refusal.code.value,
        reason=refusal.message,
    )
    return NotAllowed(refusal.message)


async def approve(
    session: AsyncSession,
    notification_id: int,
    *,
    revision: int,
    user: str,
    now: datetime,
    deciders: Deciders,
) -> Notification:
    """Approve `revision` and queue its delivery; NotAllowed says why not."""
    notification = await queries.get(session, notification_id, fresh=True)
    latest = await queries.latest(session, notification)
    incident = await session.get(Incident, notification.incident_id)
    assert incident is not None
    stale = None
    if notification.status == S.PENDING_APPROVAL and revision == notification.revision:
        stale = await staleness(session, notification, latest, incident)
    refusal = approval_refusal(
        standing(notification, latest),
        revision=revision,
        user=user,
        deciders=deciders,
        stale_reason=stale,
    )
    if refusal is None:
        result = await session.execute(
            update(Notification)
            .where(
                Notification.id == notification.id,
                Notification.status == S.PENDING_APPROVAL,
                Notification.revision == revision,
            )
            .values(
                status=S.APPROVED, approved_revision=revision, approved_by=user, approved_at=now
            )
            .execution_options(synchronize_session=False)
        )
        await session.refresh(notification)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            # Someone else decided between our read and our write: say what happened.
            latest = await queries.latest(session, notification)
            refusal = approval_refusal(
                standing(notification, latest), revision=revision, user=user, deciders=deciders
            ) or Refusal(Refused.ALREADY_DECIDED, "This message changed meanwhile; look again.")
    if refusal is not None:
        if refusal.code == Refused.STALE and stale is not None:
            await make_stale(session, notification, stale, now)
        raise _refuse(
            session, notification, refusal, action="approval", user=user, revision=revision, now=now
        )
    approved = await queries.revision(session, notification.id, revision)
    record(
        session,
        notification,
        action="approved",
        at=now,
        actor=user,
        revision=revision,
        text=approved.text,
        timeline=f"Customer message ({notification.kind.value}) revision {revision} "
        f"approved by <@{user}>",
    )
    await ops.deliver(session, notification, now)
    await ops.redraw(session, notification, now)
    await refresh_header(session, incident, now)
    return notification


async def reject(
    session: AsyncSession,
    notification_id: int,
    *,
    revision: int,
    reason: str,
    user: str,
    now: datetime,
    deciders: Deciders,
) -> Notification:
    """Reject `revision` with a reason; nothing is sent. NotAllowed says why not."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("say why, so the drafter can fix it", field="reason")
    notification = await queries.get(session, notification_id, fresh=True)
    latest = await queries.latest(session, notification)
    refusal = rejection_refusal(
        standing(notification, latest), revision=revision, user=user, deciders=deciders
    )
    if refusal is None:
        result = await session.execute(
            update(Notification)
            .where(
                Notification.id == notification.id,
                Notification.status.in_([S.DRAFT, S.PENDING_APPROVAL, S.STALE]),
                Notification.revision == revision,
            )
            .values(
                status=S.REJECTED,
                rejected_by=user,
                rejected_at=now,
                reject_reason=reason[:REASON_LIMIT],
            )
            .execution_options(synchronize_session=False)
        )
        await session.refresh(notification)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            refusal = Refusal(
                Refused.ALREADY_DECIDED, "This message changed meanwhile; look again."
            )
    if refusal is not None:
        raise _refuse(
            session,
            notification,
            refusal,
            action="rejection",
            user=user,
            revision=revision,
            now=now,
        )
    record(
        session,
        notification,
        action="rejected",
        at=now,
        actor=user,
        revision=revision,
        text=latest.text,
        timeline=f"Customer message ({notification.kind.value}) revision {revision} "
        f"rejected by <@{user}>: {escape(reason)}",
        reason=reason,
    )
    await ops.redraw(session, notification, now)
    incident = await session.get(Incident, notification.incident_id)
    assert incident is not None
    await refresh_header(session, incident, now)
    return notification
