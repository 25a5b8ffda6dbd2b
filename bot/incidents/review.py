"""Alert review: every alert is marked a true or false positive, with a calibration note.

An incident's alerts are reviewed with the incident, grouped by alertname and source (the
occurrences of one alert rule share a verdict). Alerts that opened no incident (untenanted,
non-key tenants, unclassified) are reviewed the same way in groups of their own, since that
is where tenant mappings and signatures are missing. Verdicts feed the false-positive rates
in bot.reports; the review summary goes to the owning team's channel through the outbox.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.domain import DomainConfig
from bot.errors import NotFound, ValidationFailed
from bot.incidents.alert_groups import (
    NO_ALERTNAME,
    AlertGroup,
    Calibration,
    GroupKey,
    GroupVerdict,
    calibration_note,
    count_unreviewed_alerts,
    in_group,
    incident_alert_groups,
    triage_clause,
    unreviewed_triage_groups,
)
from bot.incidents.models import Incident
from bot.incidents.resolution import NOTICE
from bot.incidents.service import move, refresh_header
from bot.incidents.states import IncidentStatus
from bot.incidents.timeline import EntryKind, add_entry
from bot.ingest.models import AlertRecord, Verdict
from bot.outbox.queue import enqueue
from bot.playbooks import PlaybookLibrary
from bot.slack.text import escape

# Outbox operations the Slack side carries out after a review.
REVIEW_SUMMARY = "review.summary"
ROOM_ARCHIVE = "room.archive"

# The grouping lives in bot.incidents.alert_groups; its names are part of this API too.
__all__ = [
    "NO_ALERTNAME",
    "REVIEW_SUMMARY",
    "ROOM_ARCHIVE",
    "AlertGroup",
    "Calibration",
    "GroupKey",
    "GroupVerdict",
    "calibration_note",
    "count_unreviewed_alerts",
    "incident_alert_groups",
    "review_alert_group",
    "review_channel",
    "review_incident",
    "triage_clause",
    "unreviewed_incidents",
    "unreviewed_triage_groups",
]


async def unreviewed_incidents(session: AsyncSession) -> list[Incident]:
    stmt = (
        select(Incident)
        .where(Incident.status == IncidentStatus.RESOLVED)
        .order_by(Incident.resolved_at, Incident.id)
    )
    return list((await session.scalars(stmt)).all())


def review_channel(config: DomainConfig, team: str | None) -> str | None:
    """Where a review summary goes: the owning team's channel, else the triage channel."""
    owner = config.teams.get(team) if team else None
    if owner is not None and owner.channel:
        return owner.channel
    return config.channels.triage


async def _mark(
    session: AsyncSession,
    where: ColumnElement[bool],
    verdict: GroupVerdict,
    user: str,
    now: datetime,
) -> int:
    result = await session.execute(
        update(AlertRecord)
        .where(where, in_group(verdict.key))
        .values(
            verdict=verdict.verdict,
            calibration_note=verdict.calibration,
            reviewed_by=user,
            reviewed_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _summary(counts: Counter[Verdict]) -> str:
    true_p = counts.get(Verdict.TRUE_POSITIVE, 0)
    false_p = counts.get(Verdict.FALSE_POSITIVE, 0)
    if not true_p and not false_p:
        return "no alerts to review"
    return f"{true_p} true positive, {false_p} false positive alerts"


async def review_incident(
    session: AsyncSession,
    config: DomainConfig,
    incident: Incident,
    *,
    user: str,
    now: datetime,
    verdicts: list[GroupVerdict],
    note: str | None = None,
) -> Counter[Verdict]:
    """Record the review of a resolved incident and move it to `reviewed`.

    Every alert group of the incident needs a verdict; the summary goes to the owning team's
    channel, and the incident channel is archived when `review.archive_channel` says so.
    """
    if incident.status != IncidentStatus.RESOLVED:
        raise ValidationFailed(
            f"incident #{incident.id} is {incident.status.value}: only a resolved incident "
            "is reviewed",
            field="status",
        )
    groups = {g.key for g in await incident_alert_groups(session, incident.id)}
    given = {v.key for v in verdicts}
    missing = groups - given
    if missing:
        names = ", ".join(sorted(k.label for k in missing))
        raise ValidationFailed(f"give a verdict for every alert group (missing: {names})")
    counts: Counter[Verdict] = Counter()
    for verdict in verdicts:
        if verdict.key in groups:
            counts[verdict.verdict] += await _mark(
                session, AlertRecord.incident_id == incident.id, verdict, user, now
            )
    if counts:
        # The incident was a false positive when every alert in it was one.
        incident.false_positive = counts.get(Verdict.TRUE_POSITIVE, 0) == 0
    incident.review_note = (note or "").strip() or None
    summary = _summary(counts)
    move(incident, IncidentStatus.REVIEWED, now, user, session, note=f"Reviewed by <@{user}>")
    details = [
        f"{escape(v.key.label)}: {v.verdict.value.replace('_', ' ')}"
        + (f" ({escape(v.calibration)})" if v.calibration else "")
        for v in verdicts
        if v.key in groups
    ]
    add_entry(
        session,
        incident.id,
        at=now,
        kind=EntryKind.REVIEW,
        actor=user,
        text=f"Review: {summary}"
        + (f". {escape(incident.review_note)}" if incident.review_note else ""),
        verdicts=details,
    )
    await enqueue(
        session,
        REVIEW_SUMMARY,
        now=now,
        key=f"{REVIEW_SUMMARY}:incident:{incident.id}",
        incident_id=incident.id,
        payload={"channel": review_channel(config, incident.owner_team)},
    )
    # Redrawn before the channel is archived: the archive op is queued after this one.
    await refresh_header(session, incident, now)
    # The incident channel hears of the review too: in its last message before it is
    # archived, or in a notice of its own when channels are kept.
    if config.review.archive_channel and incident.channel_id:
        await enqueue(
            session,
            ROOM_ARCHIVE,
            now=now,
            key=f"{ROOM_ARCHIVE}:{incident.id}",
            incident_id=incident.id,
            payload={"user": user, "summary": summary},
        )
    else:
        await enqueue(
            session,
            NOTICE,
            now=now,
            incident_id=incident.id,
            payload={"event": "reviewed", "user": user, "note": summary},
        )
    return counts


async def review_alert_group(
    session: AsyncSession,
    config: DomainConfig,
    playbooks: PlaybookLibrary,
    verdict: GroupVerdict,
    *,
    user: str,
    now: datetime,
) -> int:
    """Review the unreviewed untenanted/non-key/unclassified alerts of one group.

    The summary goes to the team owning the group's failure signature when there is exactly
    one, else to the triage channel.
    """
    groups = {g.key: g for g in await unreviewed_triage_groups(session)}
    group = groups.get(verdict.key)
    if group is None:
        raise ValidationFailed(f"no unreviewed alerts for {verdict.key.label}")
    where = and_(triage_clause(), AlertRecord.verdict.is_(None))
    changed = await _mark(session, where, verdict, user, now)
    owner_teams = {_owner(playbooks, s) for s in group.signatures}
    team = owner_teams.pop() if len(owner_teams) == 1 else None
    await enqueue(
        session,
        REVIEW_SUMMARY,
        now=now,
        incident_id=None,
        payload={
            "channel": review_channel(config, team),
            "group": {"source": verdict.key.source, "alertname": verdict.key.alertname},
            "verdict": verdict.verdict.value,
            "calibration": verdict.calibration,
            "alerts": changed,
            "tenants": list(group.tenants),
            "user": user,
        },
    )
    return changed


def _owner(playbooks: PlaybookLibrary, signature_id: str) -> str | None:
    try:
        return playbooks.get(signature_id).owner
    except NotFound:  # a signature removed from the library since the alert came in
        return None
