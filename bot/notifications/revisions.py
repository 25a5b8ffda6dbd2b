"""New revisions of a customer message: people's edits, and crebot's own redrafts.

Every revision is kept; the notification row names the latest. Two people saving at once
both start from the revision they saw, and a conditional UPDATE lets exactly one of them
make the next one: the other is told to start again from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.loader import Domain
from bot.errors import NotAllowed, TemplateError
from bot.incidents.models import Incident
from bot.incidents.service import refresh_header
from bot.notifications import ops, queries
from bot.notifications.context import context_for, require_tenant
from bot.notifications.drafting import playbook_for, render_message, template_for
from bot.notifications.journal import record
from bot.notifications.models import Notification, NotificationRevision, NotificationStatus
from bot.notifications.rules import EDITABLE

S = NotificationStatus


async def _bump(
    session: AsyncSession, notification: Notification, base: int, **values: Any
) -> bool:
    """Move to revision base + 1 if nobody else did first (the database decides)."""
    result = await session.execute(
        update(Notification)
        .where(
            Notification.id == notification.id,
            Notification.revision == base,
            Notification.status.in_(list(EDITABLE)),
        )
        .values(revision=base + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.refresh(notification)
    return True


async def redraft(
    session: AsyncSession,
    notification: Notification,
    incident: Incident,
    domain: Domain,
    now: datetime,
) -> bool:
    """Bring a draft crebot wrote up to date (the intake may have filled in what it says).
    People's wording is never rewritten. True when a new revision was made."""
    latest = await queries.latest(session, notification)
    if latest.author is not None:
        return False
    tenant = await require_tenant(session, domain.config, incident)
    context = await context_for(session, domain.config, tenant, incident, notification.kind, now)
    playbook = playbook_for(domain, incident.signature_id)
    try:
        text = render_message(template_for(playbook, notification.kind), context.values)
    except TemplateError:
        return False  # keep the text that did render; the drafter can still edit it
    if text == latest.text:
        return False
    base = notification.revision
    if not await _bump(session, notification, base, next_update_at=context.next_update_at):
        return False
    session.add(
        NotificationRevision(
            notification_id=notification.id,
            revision=base + 1,
            text=text,
            author=None,
            created_at=now,
        )
    )
    record(
        session, notification, action="redrafted", at=now, actor=None, revision=base + 1, text=text
    )
    return True


async def edit(
    session: AsyncSession,
    notification_id: int,
    text: str,
    *,
    base_revision: int,
    user: str,
    now: datetime,
    domain: Domain,
) -> NotificationRevision:
    """A new revision with `text` (rendered as a template). A stale draft comes back: to
    approval if it had been requested, else to draft. NotAllowed when it was decided or
    someone else revised it since `base_revision`; TemplateError when it does not render."""
    notification = await queries.get(session, notification_id, fresh=True)
    if notification.status not in EDITABLE:
        raise NotAllowed(
            f"This message is {notification.status.value.replace('_', ' ')} and can no longer "
            "be edited. Draft a new one from the header."
        )
    changed_meanwhile = NotAllowed(
        f"Someone saved revision {notification.revision} meanwhile; open Edit again to start "
        "from it."
    )
    if base_revision != notification.revision:
        raise changed_meanwhile
    incident = await session.get(Incident, notification.incident_id)
    assert incident is not None
    tenant = await require_tenant(session, domain.config, incident)
    context = await context_for(session, domain.config, tenant, incident, notification.kind, now)
    rendered = render_message(text, context.values)
    revived = notification.status == S.STALE
    values: dict[str, Any] = {"next_update_at": context.next_update_at}
    if revived:
        values["stale_reason"] = None
        values["status"] = (
            S.DRAFT if notification.approval_requested_at is None else S.PENDING_APPROVAL
        )
    if not await _bump(session, notification, base_revision, **values):
        raise changed_meanwhile
    row = NotificationRevision(
        notification_id=notification.id,
        revision=base_revision + 1,
        text=rendered,
        author=user,
        created_at=now,
    )
    session.add(row)
    record(
        session,
        notification,
        action="edited",
        at=now,
        actor=user,
        revision=row.revision,
        text=rendered,
        timeline=f"Customer message ({notification.kind.value}) "
        f"revision {row.revision} by <@{user}>",
    )
    if revived and notification.status == S.PENDING_APPROVAL:
        notification.approval_requested_at = now
        await ops.ask(session, notification, now)
        settings = domain.config.notifications
        await ops.schedule_reminders(
            session,
            notification,
            now,
            remind_after=settings.approval_reminder,
            offer_after=settings.offer_to_approvers_after,
        )
    await ops.redraw(session, notification, now)
    await refresh_header(session, incident, now)
    return row
