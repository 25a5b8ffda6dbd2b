"""Helpers for the customer-message tests: an incident with its room, its drafts, clicks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.audit import AuditEntry
from bot.incidents import service as incidents
from bot.incidents.models import DetectedBy, Incident
from bot.ingest.alert import AlertStatus
from bot.ingest.models import AlertRecord, Disposition
from bot.notifications.models import Notification, NotificationRevision
from bot.slack import ids
from tests.harness import Harness, settle

PLAYBOOK = "identity-login-failures"
ONCALL = "U0ONCALL1"
LEAD = "U0LEAD1"  # in S0CRELEADS, the approvers
CSAM = {"contoso": "U0CSAMCONTOSO", "fabrikam": "U0CSAMFABRIKAM", "northwind": "U0CSAMNORTHWIND"}


async def open_room(h: Harness, tenant: str = "contoso", playbook: str = PLAYBOOK) -> Incident:
    """Open an incident as the alert route does (one unit of work, one alert), then let the
    outbox open its room and post the prepared draft."""
    runtime = h.runtime
    now = h.clock.now()
    async with runtime.sessions() as session:
        opened = await incidents.open_or_get(
            session,
            runtime.domain.config,
            tenant_id=tenant,
            playbook=runtime.domain.playbooks.get(playbook),
            detected_by=DetectedBy.MONITORING,
            now=now,
            title="Login success rate below 90%",
        )
        session.add(
            AlertRecord(
                source="generic",
                dedup_key=f"login-{tenant}",
                occurrence=now.isoformat(),
                status=AlertStatus.FIRING,
                tenant=tenant,
                signature_id=playbook,
                disposition=Disposition.INCIDENT,
                incident_id=opened.incident.id,
                alertname="TenantLoginSuccessRateLow",
                labels={"alertname": "TenantLoginSuccessRateLow", "host": "idp-7.internal"},
                summary="Login success rate below 90% on idp-7.internal",
                raw={},
                starts_at=now,
                received_at=now,
            )
        )
        await session.commit()
    await h.drain()
    return await incident(h, opened.incident.id)


async def incident(h: Harness, incident_id: int) -> Incident:
    async with h.runtime.sessions() as session:
        found = await session.get(Incident, incident_id)
        assert found is not None
        return found


async def notifications(h: Harness, incident_id: int) -> list[Notification]:
    async with h.runtime.sessions() as session:
        rows = await session.scalars(
            select(Notification)
            .where(Notification.incident_id == incident_id)
            .order_by(Notification.id)
        )
        return list(rows.all())


async def the_notification(h: Harness, incident_id: int) -> Notification:
    *_, last = await notifications(h, incident_id)
    return last


async def revisions(h: Harness, notification_id: int) -> list[NotificationRevision]:
    async with h.runtime.sessions() as session:
        rows = await session.scalars(
            select(NotificationRevision)
            .where(NotificationRevision.notification_id == notification_id)
            .order_by(NotificationRevision.revision)
        )
        return list(rows.all())


async def audit(h: Harness, notification_id: int) -> list[AuditEntry]:
    async with h.runtime.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.notification_id == notification_id)
            .order_by(AuditEntry.id)
        )
        return list(rows.all())


def draft_message(h: Harness, room: Incident, notification: Notification) -> dict[str, Any]:
    assert room.channel_id and notification.approval_message_ts, "the draft was posted"
    found = h.slack.find_message(room.channel_id, notification.approval_message_ts)
    assert found is not None
    return found


async def click_draft(h: Harness, user: str, room: Incident, action_id: str) -> Any:
    """`user` uses a button of the incident's latest draft as it stands in Slack now."""
    notification = await the_notification(h, room.id)
    assert room.channel_id and notification.approval_message_ts
    answer = await h.user(user).click(room.channel_id, notification.approval_message_ts, action_id)
    await settle()
    return answer


async def confirm_impact(h: Harness, room: Incident, user: str = ONCALL) -> Notification:
    await click_draft(h, user, room, ids.CONFIRM_IMPACT)
    await h.drain()
    return await the_notification(h, room.id)


def customer_posts(h: Harness, channel: str = "C0CONTOSOEXT") -> list[dict[str, Any]]:
    return h.slack.messages(channel)


def said_to(h: Harness, room: Incident, user: str) -> list[str]:
    """The ephemeral answers `user` got in the incident channel."""
    assert room.channel_id
    return [m["text"] for m in h.slack.ephemerals(room.channel_id, user)]


def replies(h: Harness, room: Incident) -> list[dict[str, Any]]:
    """Thread replies in the incident channel (the pings under drafts)."""
    assert room.channel_id
    return [
        m
        for m in h.slack.messages(room.channel_id)
        if m.get("thread_ts") and m["thread_ts"] != m["ts"]
    ]


async def edit_draft(h: Harness, user: str, room: Incident, text: str) -> Any:
    """`user` clicks Edit on the draft, types `text` and saves; returns the submit answer."""
    await click_draft(h, user, room, ids.EDIT)
    view = h.slack.open_views(user)[-1]
    answer = await h.user(user).submit(view["id"], {ids.DRAFT_TEXT: text})
    await settle()
    return answer
