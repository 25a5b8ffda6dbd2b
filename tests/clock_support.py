"""Helpers the response-clock tests share: open an incident, give it a room, fire, ack."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.incidents.models import ClockStep, Incident, TimelineEntry
from bot.outbox.models import OutboxOp
from bot.scheduler import clock_scheduler
from tests.harness import Harness

MINUTE = timedelta(minutes=1)


async def open_incident(
    h: Harness, tenant: str = "fabrikam", signature: str = "identity-login-failures"
) -> int:
    """An alert for a key tenant, posted as a monitoring tool does: the incident it opens
    (or, if one is open for the tenant and signature already, the one it updates)."""
    playbook = h.runtime.domain.playbooks.get(signature)
    labels = {key: values[0] for key, values in playbook.match.items()}
    body = {
        "alerts": [
            {
                "id": f"{tenant}-{signature}-{h.clock.now().timestamp()}",
                "status": "firing",
                "tenant": tenant,
                "labels": labels,
                "summary": f"{playbook.title} for {tenant}",
            }
        ]
    }
    answer = await h.http.post("/webhooks/generic", json=body, headers=h.webhook_headers())
    assert answer.status_code == 202, answer.text
    incidents = answer.json()["incidents"]
    [incident_id] = incidents["opened"] or incidents["updated"]
    return int(incident_id)


async def make_room(h: Harness, incident_id: int) -> str:
    """The incident channel. The room feature opens it through the outbox; where that
    feature is not part of the app, the test stands in for it as the room would."""
    incident = await get_incident(h, incident_id)
    if incident.channel_id is None:
        await h.drain()
        incident = await get_incident(h, incident_id)
    if incident.channel_id is not None:
        return incident.channel_id
    channel = h.slack.add_channel(f"inc-{incident_id}-room", is_private=True)
    async with h.runtime.sessions() as session:
        row = await session.get(Incident, incident_id)
        assert row is not None
        row.channel_id = channel
        await session.commit()
    return channel


async def open_with_room(h: Harness, tenant: str = "fabrikam") -> tuple[int, str]:
    incident_id = await open_incident(h, tenant)
    return incident_id, await make_room(h, incident_id)


async def tick(h: Harness, delta: timedelta | None = None) -> int:
    """Move time on, fire what is due, and run the Slack work it queued."""
    if delta is not None:
        h.clock.advance(delta)
    fired = await clock_scheduler(h.runtime).run_due()
    await h.drain()
    return len(fired)


async def acknowledge(h: Harness, incident_id: int, user: str = "U0ONCALL1") -> bool:
    """`/cre ack` typed in the incident channel; True if the incident is now acknowledged."""
    channel = (await get_incident(h, incident_id)).channel_id or await make_room(h, incident_id)
    await h.user(user).command("/cre", "ack", channel_id=channel)
    await h.settle()
    return (await get_incident(h, incident_id)).acknowledged_by == user


async def get_incident(h: Harness, incident_id: int) -> Incident:
    async with h.runtime.sessions() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        return incident


async def steps(h: Harness, incident_id: int) -> dict[str, ClockStep]:
    async with h.runtime.sessions() as session:
        rows = await session.scalars(
            select(ClockStep).where(ClockStep.incident_id == incident_id).order_by(ClockStep.id)
        )
        return {s.key: s for s in rows}


async def timeline(h: Harness, incident_id: int) -> list[TimelineEntry]:
    async with h.runtime.sessions() as session:
        rows = await session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.incident_id == incident_id)
            .order_by(TimelineEntry.id)
        )
        return list(rows)


async def clock_ops(h: Harness) -> list[OutboxOp]:
    async with h.runtime.sessions() as session:
        rows = await session.scalars(
            select(OutboxOp).where(OutboxOp.kind.like("clock.%")).order_by(OutboxOp.id)
        )
        return list(rows)


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [str(m.get("text", "")) for m in messages]
