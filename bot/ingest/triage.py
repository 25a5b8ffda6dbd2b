"""Alerts that reached no owner, summarised for the triage channel (the domain side).

Untenanted alerts, alerts of tenants that are not key, and key-tenant alerts no playbook
matched (`unclassified`; those still open an incident) are worth a person's look, but never
one Slack message per alert: a storm would flood the channel. So every delivery that stores
such an alert queues one outbox operation per minute window, keyed by the window (queuing it
again is a no-op), due shortly after the window closes. Its handler (bot.slack.triage) asks
`summarise` what the window held and posts one message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ingest.models import AlertRecord, Disposition
from bot.outbox.queue import enqueue
from bot.playbooks import UNCLASSIFIED_ID

TRIAGE_SUMMARY = "triage.summary"
WINDOW = timedelta(minutes=1)
# Deliveries stamped inside the window may still be committing when it closes.
GRACE = timedelta(seconds=10)

UNTENANTED = "untenanted"
NON_KEY = "non_key"
UNCLASSIFIED = "unclassified"
REASONS = (UNTENANTED, NON_KEY, UNCLASSIFIED)


def window_start(now: datetime) -> datetime:
    now = now.astimezone(UTC)
    return now.replace(second=0, microsecond=0)


def summary_key(now: datetime) -> str:
    """The outbox key of the summary of the window `now` falls in."""
    return f"{TRIAGE_SUMMARY}:{window_start(now):%Y%m%dT%H%MZ}"


async def queue_summary(session: AsyncSession, channel: str, now: datetime) -> bool:
    """Make sure the current window's summary is queued (at most once per window)."""
    start = window_start(now)
    end = start + WINDOW
    return await enqueue(
        session,
        TRIAGE_SUMMARY,
        now=now,
        key=summary_key(now),
        payload={"channel": channel, "start": start.isoformat(), "end": end.isoformat()},
        delay=end + GRACE - now,
    )


@dataclass
class TriageGroup:
    """Alerts of one kind in the window: same reason, source and alert name."""

    reason: str
    source: str
    alertname: str | None
    count: int = 0
    tenants: dict[str, int] = field(default_factory=dict)  # tenant -> alerts
    incidents: set[int] = field(default_factory=set)  # unclassified: the incidents they opened


async def summarise(session: AsyncSession, start: datetime, end: datetime) -> list[TriageGroup]:
    """The window's alerts that reached no owner, grouped; biggest groups first."""
    a = AlertRecord
    no_owner = or_(
        a.disposition.in_([Disposition.UNTENANTED, Disposition.NON_KEY]),
        and_(a.disposition == Disposition.INCIDENT, a.signature_id == UNCLASSIFIED_ID),
    )
    stmt = (
        select(a.disposition, a.source, a.alertname, a.tenant, a.incident_id, func.count())
        .where(a.received_at >= start, a.received_at < end, no_owner)
        .group_by(a.disposition, a.source, a.alertname, a.tenant, a.incident_id)
    )
    groups: dict[tuple[str, str, str | None], TriageGroup] = {}
    for disposition, source, alertname, tenant, incident_id, count in (
        await session.execute(stmt)
    ).all():
        reason = {
            Disposition.UNTENANTED: UNTENANTED,
            Disposition.NON_KEY: NON_KEY,
        }.get(disposition, UNCLASSIFIED)
        key = (reason, source, alertname)
        group = groups.setdefault(key, TriageGroup(reason, source, alertname))
        group.count += count
        if tenant:
            group.tenants[tenant] = group.tenants.get(tenant, 0) + count
        if incident_id is not None:
            group.incidents.add(incident_id)
    order = {reason: i for i, reason in enumerate(REASONS)}
    return sorted(
        groups.values(),
        key=lambda g: (order[g.reason], -g.count, g.source, g.alertname or ""),
    )
