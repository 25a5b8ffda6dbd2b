"""Incidents as the JSON API shows them (CONTRACT.md). Times are RFC 3339 in UTC.

The single view is the list view plus *sections*, each an async function of (session,
incident) named in DETAIL_SECTIONS. A feature that adds to the incident view (the intake,
customer notifications, escalations, ...) adds or replaces one function there; nothing else
changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents import clock_view
from bot.incidents.clock_view import api_section as clock_section
from bot.incidents.models import Incident, TimelineEntry
from bot.ingest.models import AlertRecord
from bot.intake.serialize import intake_section
from bot.notifications.queries import api_section as notifications_section
from bot.reports.api_sections import action_items_section, figures_section, review_section
from bot.tenants.models import Tenant

Section = Callable[[AsyncSession, Incident], Awaitable[Any]]


def rfc3339(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def fired_escalations(
    session: AsyncSession, incident_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """Escalations that paged someone, per incident, as the API shows them (one query)."""
    found = await clock_view.fired_escalations(session, incident_ids)
    return {
        incident_id: [{**e, "at": rfc3339(e["at"])} for e in steps]
        for incident_id, steps in found.items()
    }


def incident_summary(incident: Incident, escalations: list[dict[str, Any]]) -> dict[str, Any]:
    """The fields every incident carries, in the list and the single view."""
    return {
        "id": incident.id,
        "number": incident.number,
        "kind": incident.kind.value,
        "tenant": incident.tenant_id,
        "signature": incident.signature_id,
        "signature_title": incident.signature_title,
        "title": incident.title,
        "owner_team": incident.owner_team,
        "severity": incident.severity,
        "status": incident.status.value,
        "detected_by": incident.detected_by.value,
        "opened_at": rfc3339(incident.opened_at),
        "response_deadline": rfc3339(incident.response_deadline),
        "acknowledged_at": rfc3339(incident.acknowledged_at),
        "acknowledged_by": incident.acknowledged_by,
        "false_positive": incident.false_positive,
        "mitigated_at": rfc3339(incident.mitigated_at),
        "resolved_at": rfc3339(incident.resolved_at),
        "all_alerts_resolved": incident.all_alerts_resolved,
        "escalations": escalations,
        "channel_id": incident.channel_id,
        "platform_incident_id": incident.platform_incident_id,
    }


async def alerts_section(session: AsyncSession, incident: Incident) -> list[dict[str, Any]]:
    stmt = (
        select(AlertRecord).where(AlertRecord.incident_id == incident.id).order_by(AlertRecord.id)
    )
    return [
        {
            "id": alert.id,
            "source": alert.source,
            "dedup_key": alert.dedup_key,
            "status": alert.status.value,
            "tenant": alert.tenant,
            "alertname": alert.alertname,
            "summary": alert.summary,
            "labels": alert.labels,
            "links": alert.links,
            "starts_at": rfc3339(alert.starts_at),
            "ends_at": rfc3339(alert.ends_at),
            "received_at": rfc3339(alert.received_at),
            "resolved_at": rfc3339(alert.resolved_at),
        }
        for alert in (await session.scalars(stmt)).all()
    ]


async def timeline_section(session: AsyncSession, incident: Incident) -> list[dict[str, Any]]:
    stmt = (
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident.id)
        .order_by(TimelineEntry.at, TimelineEntry.id)
    )
    return [
        {"at": rfc3339(entry.at), "kind": entry.kind, "text": entry.text, "actor": entry.actor}
        for entry in (await session.scalars(stmt)).all()
    ]


DETAIL_SECTIONS: dict[str, Section] = {
    "alerts": alerts_section,
    "intake": intake_section,  # bot/intake/serialize.py: the fields and what is missing
    "notifications": notifications_section,  # bot/notifications/queries.py
    "timeline": timeline_section,
    # bot/reports/api_sections.py: times and SLO outcome, the alert review, action items
    "figures": figures_section,
    "review": review_section,
    "action_items": action_items_section,
    # bot/incidents/clock_view.py: the deadline, the breach and by how much, the next step
    "clock": clock_section,
}


async def incident_detail(session: AsyncSession, incident: Incident) -> dict[str, Any]:
    escalations = await fired_escalations(session, [incident.id])
    body = incident_summary(incident, escalations.get(incident.id, []))
    for name, section in DETAIL_SECTIONS.items():
        body[name] = await section(session, incident)
    return body


def tenant_summary(tenant: Tenant) -> dict[str, Any]:
    return {"id": tenant.id, "name": tenant.name, "tier": tenant.tier, "timezone": tenant.timezone}
