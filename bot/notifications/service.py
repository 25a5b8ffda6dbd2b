"""Customer messages from draft to approval request.

    prepare_initial(session, incident, now, config=, playbook=)   an incident opened
    draft(session, incident, kind, now, domain=, author=, text=)  on demand (the header)
    confirm_impact(session, incident, user, now, domain=)         approval is requested

Elsewhere in this package: revisions.edit (a new revision), decisions.approve / reject,
delivery (delivered, relayed, marked as sent), staleness.mark_stale_for, and hooks (the
intake, mitigation and resolution move drafts).

A draft is prepared when an incident opens, but the CSAMs are asked to approve it only once
a responder confirms customer impact, so nobody is paged for a blip. Services take a
session and never commit; Slack work is queued in the outbox (bot.notifications.ops).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.config.domain import DomainConfig
from bot.config.loader import Domain
from bot.errors import NotAllowed, TemplateError
from bot.incidents.models import Incident, IncidentKind
from bot.incidents.service import refresh_header
from bot.incidents.timeline import EntryKind, add_entry
from bot.notifications import ops, queries
from bot.notifications.context import context_for, require_tenant, tenant_facts
from bot.notifications.drafting import playbook_for, render_message, template_for
from bot.notifications.journal import by, record
from bot.notifications.models import (
    MessageKind,
    Notification,
    NotificationRevision,
    NotificationStatus,
)
from bot.notifications.revisions import redraft
from bot.notifications.staleness import mark_stale_for
from bot.playbooks import Playbook

S = NotificationStatus


async def _create(
    session: AsyncSession,
    incident: Incident,
    kind: MessageKind,
    text: str,
    *,
    author: str | None,
    now: datetime,
    next_update_at: datetime | None,
) -> Notification:
    notification = Notification(
        incident_id=incident.id,
        kind=kind,
        status=S.DRAFT,
        revision=1,
        created_at=now,
        next_update_at=next_update_at,
    )
    session.add(notification)
    await session.flush()
    session.add(
        NotificationRevision(
            notification_id=notification.id, revision=1, text=text, author=author, created_at=now
        )
    )
    record(
        session,
        notification,
        action="drafted",
        at=now,
        actor=author,
        revision=1,
        text=text,
        timeline=f"Customer message ({kind.value}) drafted by {by(author)}",
    )
    await ops.redraw(session, notification, now)
    return notification


async def prepare_initial(
    session: AsyncSession,
    incident: Incident,
    now: datetime,
    *,
    config: DomainConfig,
    playbook: Playbook | None,
) -> Notification | None:
    """Draft the initial message as the incident opens; approval waits for impact.

    A template that fails must not stop an incident from opening: the timeline says so
    and the header's Draft customer update button remains.
    """
    if incident.kind != IncidentKind.TENANT:
        return None
    tenant = await tenant_facts(session, config, incident.tenant_id)
    if tenant is None:
        return None
    context = await context_for(session, config, tenant, incident, MessageKind.INITIAL, now)
    try:
        text = render_message(template_for(playbook, MessageKind.INITIAL), context.values)
    except TemplateError as exc:
        add_entry(
            session,
            incident.id,
            at=now,
            kind=EntryKind.NOTIFICATION,
            text=f"The initial customer message could not be drafted: {exc}",
            error=str(exc),
        )
        return None
    return await _create(
        session,
        incident,
        MessageKind.INITIAL,
        text,
        author=None,
        now=now,
        next_update_at=context.next_update_at,
    )


def default_kind(incident: Incident, delivered: bool) -> MessageKind:
    """What a responder most likely wants to write now."""
    if incident.mitigated_at is not None or incident.resolved_at is not None:
        return MessageKind.RESOLVED
    return MessageKind.UPDATE if delivered else MessageKind.INITIAL


async def preview(
    session: AsyncSession, incident: Incident, kind: MessageKind, now: datetime, *, domain: Domain
) -> str:
    """The text crebot would draft for `kind` now (TemplateError when the template fails)."""
    tenant = await require_tenant(session, domain.config, incident)
    context = await context_for(session, domain.config, tenant, incident, kind, now)
    playbook = playbook_for(domain, incident.signature_id)
    return render_message(template_for(playbook, kind), context.values)


async def draft(
    session: AsyncSession,
    incident: Incident,
    kind: MessageKind,
    now: datetime,
    *,
    domain: Domain,
    author: str | None,
    text: str | None = None,
) -> Notification:
    """A new message of `kind`: `text` (a template too) or the playbook's. Drafts not yet
    decided go stale, so one message at a time is up for approval; approval is requested at
    once when impact is already confirmed. TemplateError when the text does not render."""
    tenant = await require_tenant(session, domain.config, incident)
    context = await context_for(session, domain.config, tenant, incident, kind, now)
    source = (
        text
        if text is not None
        else template_for(playbook_for(domain, incident.signature_id), kind)
    )
    rendered = render_message(source, context.values)
    await mark_stale_for(session, incident, "a newer draft replaced it", now)
    notification = await _create(
        session,
        incident,
        kind,
        rendered,
        author=author,
        now=now,
        next_update_at=context.next_update_at,
    )
    if incident.impact_confirmed_at is not None:
        await request_approval(session, notification, now, actor=author, domain=domain)
    await refresh_header(session, incident, now)
    return notification


async def request_approval(
    session: AsyncSession,
    notification: Notification,
    now: datetime,
    *,
    actor: str | None,
    domain: Domain | None = None,
) -> bool:
    """Put a draft up for approval: the CSAMs are pinged, reminders are set. With `domain`,
    a draft crebot wrote is first brought up to date. False if it was not a draft."""
    if notification.status != S.DRAFT:
        return False
    incident = await session.get(Incident, notification.incident_id)
    assert incident is not None
    if domain is not None:
        await redraft(session, notification, incident, domain, now)
    notification.status = S.PENDING_APPROVAL
    notification.approval_requested_at = now
    latest = await queries.latest(session, notification)
    record(
        session,
        notification,
        action="approval_requested",
        at=now,
        actor=actor,
        revision=latest.revision,
        text=latest.text,
        timeline=f"Approval of the {notification.kind.value} customer message requested",
    )
    await ops.ask(session, notification, now)
    if domain is not None:
        settings = domain.config.notifications
        await ops.schedule_reminders(
            session,
            notification,
            now,
            remind_after=settings.approval_reminder,
            offer_after=settings.offer_to_approvers_after,
        )
    await ops.redraw(session, notification, now)
    return True


async def confirm_impact(
    session: AsyncSession, incident: Incident, user: str, now: datetime, *, domain: Domain
) -> list[Notification]:
    """A responder confirmed the customer is affected: drafts go up for approval (and the
    initial one is drafted now if there is none). Returns the drafts put up."""
    if incident.impact_confirmed_at is None:
        incident.impact_confirmed_at, incident.impact_confirmed_by = now, user
        add_entry(
            session,
            incident.id,
            at=now,
            kind=EntryKind.IMPACT_CONFIRMED,
            actor=user,
            text=f"Customer impact confirmed by <@{user}>",
        )
        audit.record(
            session, at=now, actor=user, action="incident.impact_confirmed", incident_id=incident.id
        )
    requested: list[Notification] = []
    if not await queries.for_incident(session, incident.id):
        try:
            first = await draft(
                session, incident, MessageKind.INITIAL, now, domain=domain, author=None
            )
            requested.append(first)
        except NotAllowed:
            pass  # no key tenant (a platform incident): there is no customer to write to
        except TemplateError as exc:
            # The confirmation stands; the header's Draft customer update button remains.
            add_entry(
                session,
                incident.id,
                at=now,
                kind=EntryKind.NOTIFICATION,
                text=f"The initial customer message could not be drafted: {exc}",
            )
    for notification in await queries.for_incident(session, incident.id, [S.DRAFT]):
        if await request_approval(session, notification, now, actor=user, domain=domain):
            requested.append(notification)
    await refresh_header(session, incident, now)
    return requested
