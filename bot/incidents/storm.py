"""Storm mode: when many key tenants break the same way at once, one platform incident.

    evaluate(session, config, incident, playbook, now)   a tenant incident opened, or is about
                                                         to get its room: join or start a storm
    promote(session, config, incident, playbook, now, actor=)    `/cre platform` by a responder
    link(session, platform, incident, now, actor=)  /  unlink(session, incident, now, actor=)
    acknowledge_linked(session, platform, user=, now=)   the platform's acknowledgement fans out

Storm detection runs only with a `storm:` section in crebot.yaml; promotion and linking by
hand work without it. A linked tenant incident stays a full record (intake, timeline,
customer messages, report figures) but gets no channel of its own, and its own response
clock is held while the platform incident's clock drives it. Services take a session and
never commit; Slack work is queued in the outbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.domain import DomainConfig
from bot.incidents import clock as response_clock
from bot.incidents.models import DetectedBy, Incident, IncidentKind
from bot.incidents.service import OPEN_ROOM, acknowledge, open_or_get, refresh_header
from bot.incidents.states import ACTIVE
from bot.incidents.timeline import EntryKind, add_entry
from bot.ingest.alert import AlertStatus
from bot.ingest.models import AlertRecord, Disposition
from bot.notifications import ops, queries
from bot.outbox.queue import enqueue
from bot.playbooks import Playbook

# The note in a tenant incident's own channel that it now follows the platform incident.
LINKED_NOTE = "storm.linked"


async def active_platform(session: AsyncSession, signature_id: str) -> Incident | None:
    key = Incident.make_active_key(None, signature_id, IncidentKind.PLATFORM)
    return await session.scalar(select(Incident).where(Incident.active_key == key))


async def linked(session: AsyncSession, platform_id: int) -> list[Incident]:
    rows = await session.scalars(
        select(Incident).where(Incident.platform_incident_id == platform_id).order_by(Incident.id)
    )
    return list(rows.all())


async def affected_tenants(session: AsyncSession, signature_id: str, since: datetime) -> int:
    """Distinct key tenants hit by `signature_id` since `since`: an active tenant incident
    opened in the window, or a firing alert received in it (stored before its incident)."""
    incidents = select(Incident.tenant_id.label("tenant")).where(
        Incident.kind == IncidentKind.TENANT,
        Incident.signature_id == signature_id,
        Incident.status.in_(ACTIVE),
        Incident.opened_at >= since,
        Incident.tenant_id.is_not(None),
    )
    alerts = select(AlertRecord.tenant.label("tenant")).where(
        AlertRecord.signature_id == signature_id,
        AlertRecord.status == AlertStatus.FIRING,
        AlertRecord.disposition == Disposition.INCIDENT,
        AlertRecord.received_at >= since,
        AlertRecord.tenant.is_not(None),
    )
    both = union(incidents, alerts).subquery()
    return int(await session.scalar(select(func.count()).select_from(both)) or 0)


async def _candidates(session: AsyncSession, signature_id: str) -> list[Incident]:
    """Active tenant incidents of the signature a storm takes in: not linked yet, and not
    unlinked by a responder (who decided that tenant is handled on its own)."""
    rows = await session.scalars(
        select(Incident)
        .where(
            Incident.kind == IncidentKind.TENANT,
            Incident.signature_id == signature_id,
            Incident.status.in_(ACTIVE),
            Incident.platform_incident_id.is_(None),
            Incident.platform_unlinked_at.is_(None),
        )
        .order_by(Incident.id)
    )
    return list(rows.all())


async def _open_platform(
    session: AsyncSession,
    config: DomainConfig,
    playbook: Playbook,
    now: datetime,
    joining: list[Incident],
    why: str,
    actor: str | None,
) -> Incident:
    """The platform incident of the signature. Its clock starts with the earliest tenant
    still waiting for an acknowledgement: linking must not give that tenant more time."""
    waiting = [i.opened_at for i in joining if i.acknowledged_at is None]
    opened = await open_or_get(
        session,
        config,
        tenant_id=None,
        playbook=playbook,
        detected_by=DetectedBy.MONITORING,
        now=now,
        title=f"{playbook.title}: many key tenants at once",
        kind=IncidentKind.PLATFORM,
        clock_starts_at=min(waiting, default=now),
    )
    platform = opened.incident
    if opened.created:
        add_entry(session, platform.id, at=now, kind=EntryKind.PLATFORM, text=why, actor=actor)
    return platform


async def evaluate(
    session: AsyncSession,
    config: DomainConfig,
    incident: Incident,
    playbook: Playbook,
    now: datetime,
) -> Incident | None:
    """Storm detection for one tenant incident; returns the platform incident it now
    follows, or None. Called as the incident opens and again before its room is made, so a
    tenant opened by a concurrent delivery that missed the storm still joins it."""
    storm = config.storm
    if (
        storm is None
        or incident.kind != IncidentKind.TENANT
        or incident.platform_unlinked_at is not None
        or incident.status not in ACTIVE
    ):
        return None
    if incident.platform_incident_id is not None:
        return await session.get(Incident, incident.platform_incident_id)
    platform = await active_platform(session, incident.signature_id)
    if platform is not None:
        await link(session, platform, incident, now)
        return platform
    hit = await affected_tenants(session, incident.signature_id, now - storm.window)
    if hit < storm.tenants:
        return None
    joining = await _candidates(session, incident.signature_id)
    why = (
        f"Storm: {playbook.title} hit {hit} key tenants within {_span(storm.window)}; "
        "one platform incident tracks them all"
    )
    platform = await _open_platform(session, config, playbook, now, joining, why, None)
    for tenant_incident in joining:
        await link(session, platform, tenant_incident, now)
    return platform


async def promote(
    session: AsyncSession,
    config: DomainConfig,
    incident: Incident,
    playbook: Playbook,
    now: datetime,
    *,
    actor: str,
) -> Incident:
    """A responder makes this tenant incident's failure a platform incident: it and every
    other active tenant incident of its signature follow the platform incident."""
    joining = await _candidates(session, incident.signature_id)
    if incident not in joining:
        joining.insert(0, incident)
    why = f"Promoted to a platform incident by <@{actor}> from incident #{incident.number}"
    platform = await active_platform(session, incident.signature_id)
    if platform is None:
        platform = await _open_platform(session, config, playbook, now, joining, why, actor)
    for tenant_incident in joining:
        await link(session, platform, tenant_incident, now, actor=actor)
    return platform


async def link(
    session: AsyncSession,
    platform: Incident,
    incident: Incident,
    now: datetime,
    *,
    actor: str | None = None,
) -> bool:
    """Link a tenant incident to the platform incident; False if it already was."""
    if incident.platform_incident_id == platform.id:
        return False
    incident.platform_incident_id = platform.id
    incident.platform_unlinked_at = None
    who = f" by <@{actor}>" if actor else ""
    add_entry(
        session,
        incident.id,
        at=now,
        kind=EntryKind.PLATFORM,
        actor=actor,
        text=f"Linked to platform incident #{platform.number}{who}: its clock drives this one",
        platform_incident_id=platform.id,
        action="linked",
    )
    add_entry(
        session,
        platform.id,
        at=now,
        kind=EntryKind.PLATFORM,
        actor=actor,
        text=f"Tenant {incident.tenant_id} linked (incident #{incident.number}){who}",
        tenant_incident_id=incident.id,
        action="linked",
    )
    await response_clock.suspend(session, incident)
    if incident.channel_id is not None:
        # It had a room already: tell the people in it where the work moved.
        await enqueue(
            session,
            LINKED_NOTE,
            now=now,
            key=f"{LINKED_NOTE}:{incident.id}:{platform.id}:{now.isoformat()}",
            incident_id=incident.id,
            payload={"platform_incident_id": platform.id},
        )
        await refresh_header(session, incident, now)
    await refresh_header(session, platform, now)
    return True


async def unlink(
    session: AsyncSession, incident: Incident, now: datetime, *, actor: str
) -> Incident | None:
    """Hand a tenant incident back to its own clock and room (opened now if it never had
    one). Storm detection leaves it alone from now on. Returns the former platform."""
    if incident.platform_incident_id is None:
        return None
    platform = await session.get(Incident, incident.platform_incident_id)
    incident.platform_incident_id = None
    incident.platform_unlinked_at = now
    number = platform.number if platform is not None else "?"
    add_entry(
        session,
        incident.id,
        at=now,
        kind=EntryKind.PLATFORM,
        actor=actor,
        text=f"Unlinked from platform incident #{number} by <@{actor}>: handled on its own",
        action="unlinked",
    )
    await response_clock.resume(session, incident, now)
    if incident.channel_id is None and incident.status in ACTIVE:
        await enqueue(
            session,
            OPEN_ROOM,
            now=now,
            key=f"{OPEN_ROOM}:{incident.id}:unlinked:{now.isoformat()}",
            incident_id=incident.id,
        )
        # Its drafts were never shown in a room: they are, once it has one.
        for notification in await queries.live_for(session, incident.id):
            await ops.redraw(session, notification, now)
    await refresh_header(session, incident, now)
    if platform is not None:
        add_entry(
            session,
            platform.id,
            at=now,
            kind=EntryKind.PLATFORM,
            actor=actor,
            text=(
                f"Tenant {incident.tenant_id} unlinked (incident #{incident.number}) by <@{actor}>"
            ),
            tenant_incident_id=incident.id,
            action="unlinked",
        )
        await refresh_header(session, platform, now)
    return platform


async def acknowledge_linked(
    session: AsyncSession, platform: Incident, *, user: str, now: datetime
) -> int:
    """Acknowledging the platform incident acknowledges every linked tenant incident still
    waiting, each at this moment, so each one's time to acknowledge is its own."""
    done = 0
    for incident in await linked(session, platform.id):
        if incident.status in ACTIVE and incident.acknowledged_at is None:
            done += await acknowledge(session, incident, user=user, now=now)
    return done


def _span(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    if seconds and seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"
