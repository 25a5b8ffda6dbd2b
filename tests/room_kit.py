"""Helpers for the incident-room tests: open incidents, wait for listeners, read state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from bot.incidents import service
from bot.incidents.models import DetectedBy, Incident, TimelineEntry
from bot.ingest.alert import AlertStatus
from bot.ingest.models import AlertRecord, Disposition
from bot.outbox.models import OutboxOp
from bot.slack.blocks.header import ACTIONS_BLOCK
from tests.harness import Harness, settle  # noqa: F401 - re-exported for the room tests

PLAYBOOK = "identity-login-failures"


def alert_record(
    incident: Incident,
    n: int,
    *,
    summary: str = "Login success rate below 90%",
    description: str = "",
    labels: dict[str, str] | None = None,
    status: AlertStatus = AlertStatus.FIRING,
    link: str | None = None,
    now: Any,
) -> AlertRecord:
    return AlertRecord(
        source="generic",
        dedup_key=f"alert-{incident.id}-{n}",
        occurrence=now.isoformat(),
        status=status,
        tenant=incident.tenant_id,
        signature_id=incident.signature_id,
        disposition=Disposition.INCIDENT,
        incident_id=incident.id,
        alertname=(labels or {}).get("alertname", "TenantLoginSuccessRateLow"),
        labels=labels or {"alertname": "TenantLoginSuccessRateLow"},
        summary=summary,
        description=description,
        links={"url": link} if link else {},
        raw={},
        starts_at=now,
        received_at=now,
    )


async def open_incident(
    h: Harness,
    *,
    tenant: str | None = "contoso",
    playbook: str = PLAYBOOK,
    title: str = "Login success rate below 90%",
    alerts: list[dict[str, Any]] | None = None,
) -> int:
    """Open an incident the way the alert route does (one unit of work), with alerts."""
    runtime = h.runtime
    async with runtime.sessions() as session:
        opened = await service.open_or_get(
            session,
            runtime.domain.config,
            tenant_id=tenant,
            playbook=runtime.domain.playbooks.get(playbook),
            detected_by=DetectedBy.MONITORING,
            now=h.clock.now(),
            title=title,
        )
        for n, fields in enumerate(alerts if alerts is not None else [{}]):
            session.add(alert_record(opened.incident, n, now=h.clock.now(), **fields))
        await session.commit()
    return opened.incident.id


async def incident(h: Harness, incident_id: int) -> Incident:
    async with h.runtime.sessions() as session:
        found = await session.get(Incident, incident_id)
        assert found is not None
        return found


async def timeline(h: Harness, incident_id: int, kind: str | None = None) -> list[TimelineEntry]:
    async with h.runtime.sessions() as session:
        stmt = select(TimelineEntry).where(TimelineEntry.incident_id == incident_id)
        if kind is not None:
            stmt = stmt.where(TimelineEntry.kind == kind)
        return list((await session.scalars(stmt.order_by(TimelineEntry.id))).all())


async def outbox_ops(h: Harness) -> list[OutboxOp]:
    """The room's outbox operations (other features queue theirs beside them)."""
    async with h.runtime.sessions() as session:
        stmt = select(OutboxOp).where(OutboxOp.kind.startswith("room.")).order_by(OutboxOp.id)
        return list((await session.scalars(stmt)).all())


def headers(h: Harness, channel: str) -> list[dict[str, Any]]:
    """The incident headers posted in a channel (other features post there too)."""
    return [
        m
        for m in h.slack.messages(channel)
        if any(b.get("block_id") == ACTIONS_BLOCK for b in m.get("blocks") or [])
    ]


def header(h: Harness, room: Incident) -> dict[str, Any]:
    [found] = headers(h, str(room.channel_id))
    assert found["ts"] == room.header_ts
    return found


def notices(h: Harness, channel: str, words: str) -> list[dict[str, Any]]:
    return [m for m in h.slack.messages(channel) if words in str(m.get("text"))]


async def opened_room(h: Harness, **kwargs: Any) -> Incident:
    """Open an incident and run the outbox until its room is ready."""
    incident_id = await open_incident(h, **kwargs)
    await h.drain()
    return await incident(h, incident_id)


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON-like value (dict keys included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from strings(v)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def everything_sent(h: Harness) -> list[str]:
    """All text crebot sent to Slack: Web API arguments and response_url answers."""
    sent = [s for call in h.slack.calls for s in strings(call.args)]
    sent += [s for body in h.slack.responses() for s in strings(body)]
    return sent
