"""The incident side of a delivery: find, lock and open incidents, and record what happened.

Batched like the alert statements (bot.ingest.store): whatever the batch size, finding the
incidents is one query, locking them one, the timeline one insert and the header refreshes
one insert. Opening goes through
`bot.incidents.service.open_or_get`, the one place that decides what a new incident gets
(timeline entry, room, response clock, ...).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.models import Incident, IncidentKind, TimelineEntry
from bot.outbox.models import OutboxOp

INCIDENTS: Table = Incident.__table__  # type: ignore[assignment]
TIMELINE: Table = TimelineEntry.__table__  # type: ignore[assignment]
OUTBOX: Table = OutboxOp.__table__  # type: ignore[assignment]


def active_key(tenant: str, signature_id: str) -> str:
    return Incident.make_active_key(tenant, signature_id, IncidentKind.TENANT)


async def find_active(session: AsyncSession, keys: Iterable[str]) -> dict[str, int]:
    """The active incident id for each (tenant, signature) key that has one."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    stmt = select(INCIDENTS.c.active_key, INCIDENTS.c.id).where(INCIDENTS.c.active_key.in_(wanted))
    return {key: incident_id for key, incident_id in (await session.execute(stmt)).all()}


@dataclass(frozen=True)
class Locked:
    id: int
    active_key: str | None
    all_alerts_resolved: bool


async def lock(session: AsyncSession, incident_ids: Iterable[int]) -> dict[int, Locked]:
    """Lock the incidents this delivery changes and read them as they are now.

    The lock (FOR NO KEY UPDATE; SQLite's single writer does the same) orders this delivery with any
    other touching the same incidents, so "every alert has resolved" is decided on committed
    facts: of a new firing alert and the last resolve racing, whichever locks second sees the
    other. Ids are locked in ascending order, the same order every delivery uses.
    """
    ids = sorted(set(incident_ids))
    if not ids:
        return {}
    stmt = (
        select(INCIDENTS.c.id, INCIDENTS.c.active_key, INCIDENTS.c.all_alerts_resolved)
        .where(INCIDENTS.c.id.in_(ids))
        .order_by(INCIDENTS.c.id)
        # NO KEY UPDATE, not UPDATE: inserting alerts takes KEY SHARE on their incidents (the
        # foreign key), and FOR UPDATE would wait on another delivery's KEY SHARE while it
        # waits on ours: a deadlock. NO KEY UPDATE still excludes every other lock step.
        .with_for_update(key_share=True)
    )
    return {row.id: Locked(*row) for row in (await session.execute(stmt)).all()}


async def set_all_resolved(session: AsyncSession, incident_ids: Iterable[int], value: bool) -> None:
    ids = sorted(set(incident_ids))
    if ids:
        await session.execute(
            update(INCIDENTS).where(INCIDENTS.c.id.in_(ids)).values(all_alerts_resolved=value)
        )


def timeline_row(
    incident_id: int, at: datetime, kind: str, text: str, **data: Any
) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "at": at,
        "kind": kind,
        "text": text,
        "actor": None,
        "source_ref": None,
        "data": data,
    }


async def add_timeline(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(TIMELINE), list(rows))
