"""Everything a postmortem says about one incident, gathered as plain template data.

Times are strings in UTC (a file outlives the reader's Slack timezone), durations are
words ("12m 30s"), Slack markup is turned into Markdown; None stays None so a template can
test for it (and prints as "–").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.loader import Domain
from bot.incidents import action_items
from bot.incidents import service as incidents
from bot.incidents.alert_groups import NO_ALERTNAME
from bot.incidents.models import Incident
from bot.incidents.timeline import entries
from bot.ingest.models import AlertRecord
from bot.intake.models import IntakeRevision
from bot.notifications.models import Notification, NotificationRevision
from bot.reports.facts import load_incident
from bot.reports.figures import IncidentFigures, Measure, compute
from bot.reports.formatting import duration, utc
from bot.reports.markdown import from_slack, one_line

INTAKE_FIELDS = (
    ("impact_start", "impact start"),
    ("impact_end", "impact end"),
    ("customer_reported_at", "reported by the customer at"),
    ("symptom", "symptom"),
    ("signature_id", "failure signature"),
    ("scope", "scope"),
    ("scope_region", "region"),
    ("fastest_check", "fastest check"),
    ("check_result", "check result"),
    ("owner_team", "owning team"),
    ("update_now", "what we know"),
    ("update_next", "what we do next"),
    ("next_update_at", "next update promised at"),
    ("description", "description"),
)


def _when(value: datetime | None) -> str | None:
    return None if value is None else utc(value)


def _person(user: str | None) -> str | None:
    return None if user is None else f"@{user}"


async def _figures(session: AsyncSession, incident: Incident, now: datetime) -> IncidentFigures:
    # The same facts and rules as the reliability report, so the two never disagree.
    return compute((await load_incident(session, incident)).facts, now)


async def _intake(session: AsyncSession, incident_id: int) -> dict[str, Any] | None:
    latest = await session.scalar(
        select(IntakeRevision)
        .where(IntakeRevision.incident_id == incident_id)
        .order_by(IntakeRevision.revision.desc())
        .limit(1)
    )
    if latest is None:
        return None
    fields = []
    for name, label in INTAKE_FIELDS:
        value = getattr(latest, name)
        if value is None or value == "":
            continue
        text = utc(value) if isinstance(value, datetime) else one_line(str(value))
        fields.append({"name": name, "label": label, "value": text})
    return {
        "revision": latest.revision,
        "saved_at": utc(latest.created_at),
        "saved_by": _person(latest.created_by),
        "fields": fields,
    }


async def _messages(session: AsyncSession, incident_id: int) -> list[dict[str, Any]]:
    notes = (
        await session.scalars(
            select(Notification)
            .where(Notification.incident_id == incident_id)
            .order_by(Notification.created_at, Notification.id)
        )
    ).all()
    out = []
    for n in notes:
        shown = n.approved_revision or n.revision
        text = await session.scalar(
            select(NotificationRevision.text).where(
                NotificationRevision.notification_id == n.id,
                NotificationRevision.revision == shown,
            )
        )
        out.append(
            {
                "kind": n.kind.value,
                "status": n.status.value.replace("_", " "),
                "revision": shown,
                "approved_by": _person(n.approved_by),
                "delivered_at": _when(n.delivered_at),
                "text": from_slack(text).strip() if text else None,
            }
        )
    return out


async def _review(session: AsyncSession, incident: Incident) -> dict[str, Any]:
    rows = (
        await session.execute(
            select(
                AlertRecord.source,
                AlertRecord.alertname,
                AlertRecord.verdict,
                AlertRecord.calibration_note,
                func.count(),
            )
            .where(AlertRecord.incident_id == incident.id)
            .group_by(
                AlertRecord.source,
                AlertRecord.alertname,
                AlertRecord.verdict,
                AlertRecord.calibration_note,
            )
            .order_by(AlertRecord.alertname, AlertRecord.source)
        )
    ).all()
    groups = [
        {
            "alertname": alertname or NO_ALERTNAME or "(no alertname)",
            "source": source,
            "alerts": int(n),
            "verdict": verdict.value.replace("_", " ") if verdict else "not reviewed",
            "calibration": one_line(note) if note else None,
        }
        for source, alertname, verdict, note, n in rows
    ]
    return {
        "reviewed": incident.reviewed_at is not None,
        "reviewed_at": _when(incident.reviewed_at),
        "note": from_slack(incident.review_note).strip() or None,
        "false_positive": incident.false_positive,
        "alert_groups": groups,
    }


async def gather(
    session: AsyncSession, domain: Domain, incident_id: int, now: datetime
) -> dict[str, Any]:
    incident = await incidents.get(session, incident_id)
    figures = await _figures(session, incident, now)
    tenant = domain.config.tenant(incident.tenant_id)
    timeline = [
        {
            "at": utc(e.at),
            "time": e.at.strftime("%H:%M:%S"),
            "kind": e.kind,
            "actor": _person(e.actor),
            "text": one_line(e.text),
        }
        for e in await entries(session, incident.id)
    ]
    items = [
        {
            "text": one_line(a.text),
            "owner": f"@{a.owner}" if a.owner else None,
            "due": a.due_date.date().isoformat() if a.due_date else None,
            "done": a.done_at is not None,
            "added_by": _person(a.created_by),
        }
        for a in await action_items.for_incident(session, incident.id)
    ]
    slo = domain.config.slo_for(incident.tenant_id)
    return {
        "incident": {
            "number": incident.number,
            "title": one_line(incident.title),
            "status": incident.status.value,
            "severity": incident.severity,
            "signature_id": incident.signature_id,
            "signature_title": incident.signature_title,
            "owner_team": incident.owner_team,
            "detected_by": incident.detected_by.value,
            "channel": f"#{incident.channel_name}" if incident.channel_name else None,
            "opened_at": utc(incident.opened_at),
            "response_deadline": utc(incident.response_deadline),
            "acknowledged_at": _when(incident.acknowledged_at),
            "acknowledged_by": _person(incident.acknowledged_by),
            "mitigated_at": _when(incident.mitigated_at),
            "resolved_at": _when(incident.resolved_at),
            "platform_incident_id": incident.platform_incident_id,
        },
        "tenant": {
            "id": incident.tenant_id,
            "name": tenant.name if tenant else incident.tenant_id,
            "tier": tenant.tier if tenant else None,
        },
        "impact": {
            "start": utc(figures.impact_start),
            "end": None if figures.ongoing else utc(figures.impact_end),
            "duration": duration(figures.impact),
            "ongoing": figures.ongoing,
        },
        "times": [
            {"name": m.value, "label": m.label, "value": duration(figures.times[m])}
            for m in Measure
        ],
        "slo": {"target": duration(slo), "outcome": figures.slo.value},
        "timeline": timeline,
        "intake": await _intake(session, incident.id),
        "messages": await _messages(session, incident.id),
        "review": await _review(session, incident),
        "action_items": items,
        "generated_at": utc(now),
    }
