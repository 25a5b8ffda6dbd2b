"""The incident timeline: every alert, acknowledgement, state change, note and message."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.models import TimelineEntry


class EntryKind(StrEnum):
    OPENED = "opened"
    ALERT = "alert"
    ALERT_RESOLVED = "alert_resolved"
    ALL_ALERTS_RESOLVED = "all_alerts_resolved"
    ACKNOWLEDGED = "acknowledged"
    STATE = "state"
    REMINDER = "reminder"
    ESCALATION = "escalation"
    INTAKE = "intake"
    NOTIFICATION = "notification"
    NOTE = "note"
    PINNED = "pinned"
    IMPACT_CONFIRMED = "impact_confirmed"
    OWNER = "owner"
    PLATFORM = "platform"
    REVIEW = "review"


def add_entry(
    session: AsyncSession,
    incident_id: int,
    *,
    at: datetime,
    kind: EntryKind | str,
    text: str,
    actor: str | None = None,
    source_ref: str | None = None,
    **data: Any,
) -> TimelineEntry:
    entry = TimelineEntry(
        incident_id=incident_id,
        at=at,
        kind=str(kind),
        text=text,
        actor=actor,
        source_ref=source_ref,
        data=data,
    )
    session.add(entry)
    return entry


async def entries(session: AsyncSession, incident_id: int) -> list[TimelineEntry]:
    stmt = (
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident_id)
        .order_by(TimelineEntry.at, TimelineEntry.id)
    )
    return list((await session.scalars(stmt)).all())
