"""The alert-table statements of one delivery, each a single round trip for the whole batch.

Every write that decides something is arbitrated by the database, never by a read that came
before it: new occurrences by INSERT … ON CONFLICT DO NOTHING on (source, dedup_key,
occurrence), resolves by an UPDATE conditional on `status = 'firing'`. Two deliveries racing
each other therefore store one row and resolve it once, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, case, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import UTCDateTime
from bot.ingest.alert import AlertStatus
from bot.ingest.models import AlertRecord

ALERTS: Table = AlertRecord.__table__  # type: ignore[assignment]
_FIRING = AlertStatus.FIRING.value
_RESOLVED = AlertStatus.RESOLVED.value


async def insert_new(
    session: AsyncSession, rows: Sequence[dict[str, Any]]
) -> dict[tuple[str, str, str], int]:
    """Insert the rows that are new occurrences; the others are redeliveries and change nothing.

    Returns the id of each inserted row by (source, dedup_key, occurrence). Rows go in key
    order, so two concurrent batches lock overlapping keys in the same order (no deadlock).
    """
    if not rows:
        return {}
    ordered = sorted(rows, key=lambda r: (r["source"], r["dedup_key"], r["occurrence"]))
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        module.insert(ALERTS)
        .on_conflict_do_nothing(index_elements=["source", "dedup_key", "occurrence"])
        .returning(ALERTS.c.id, ALERTS.c.source, ALERTS.c.dedup_key, ALERTS.c.occurrence)
    )
    # A list of parameter sets runs as SQLAlchemy's "insertmanyvalues": one multi-row INSERT
    # per batch, with RETURNING for the rows that went in. (Looking each row's incident up
    # in a subquery here would save the caller a query, but costs PostgreSQL more in
    # planning a hundred subplans than the query it saves.)
    result = await session.execute(stmt, ordered)
    return {(source, key, occ): row_id for row_id, source, key, occ in result.all()}


@dataclass(frozen=True)
class Candidate:
    """A stored occurrence a resolve might close."""

    id: int
    dedup_key: str
    occurrence: str
    status: str
    starts_at: datetime | None
    received_at: datetime
    incident_id: int | None


async def resolve_candidates(
    session: AsyncSession, source: str, keys: Iterable[str], occurrences: Iterable[str]
) -> list[Candidate]:
    """The firing occurrences of these dedup keys, and any occurrence named exactly."""
    keys, occurrences = sorted(set(keys)), sorted(set(occurrences))
    wanted = ALERTS.c.status == _FIRING
    if occurrences:
        wanted = or_(wanted, ALERTS.c.occurrence.in_(occurrences))
    stmt = select(
        ALERTS.c.id,
        ALERTS.c.dedup_key,
        ALERTS.c.occurrence,
        ALERTS.c.status,
        ALERTS.c.starts_at,
        ALERTS.c.received_at,
        ALERTS.c.incident_id,
    ).where(ALERTS.c.source == source, ALERTS.c.dedup_key.in_(keys), wanted)
    return [Candidate(*row) for row in (await session.execute(stmt)).all()]


async def mark_resolved(
    session: AsyncSession,
    ends: Mapping[int, datetime],
    renames: Mapping[int, str],
    now: datetime,
) -> dict[int, int | None]:
    """Resolve the rows in `ends` (row id -> end time) that are still firing, renaming OPEN
    occurrences as `renames` says. Returns the incident id of each row this call resolved;
    a row another delivery resolved first is simply not in the answer."""
    if not ends:
        return {}
    ids = sorted(ends)
    end_at: Any = case(
        {row_id: literal(ends[row_id], UTCDateTime()) for row_id in ids}, value=ALERTS.c.id
    )
    occurrence: Any = ALERTS.c.occurrence
    if renames:
        occurrence = case(
            {row_id: literal(name) for row_id, name in renames.items()},
            value=ALERTS.c.id,
            else_=ALERTS.c.occurrence,
        )
    stmt = (
        update(ALERTS)
        .where(ALERTS.c.id.in_(ids), ALERTS.c.status == _FIRING)
        .values(status=_RESOLVED, ends_at=end_at, resolved_at=now, occurrence=occurrence)
        .returning(ALERTS.c.id, ALERTS.c.incident_id)
    )
    return {row_id: incident_id for row_id, incident_id in (await session.execute(stmt)).all()}


async def set_incident(session: AsyncSession, assignments: Mapping[int, int]) -> None:
    """Point alert rows (row id -> incident id) at their incident, in one statement."""
    if not assignments:
        return
    ids = sorted(assignments)
    await session.execute(
        update(ALERTS)
        .where(ALERTS.c.id.in_(ids))
        .values(incident_id=case(dict(assignments), value=ALERTS.c.id))
    )


async def firing_counts(session: AsyncSession, incident_ids: Iterable[int]) -> dict[int, int]:
    """How many alerts still fire, per incident (incidents with none are absent)."""
    ids = sorted(set(incident_ids))
    if not ids:
        return {}
    stmt = (
        select(ALERTS.c.incident_id, func.count())
        .where(ALERTS.c.incident_id.in_(ids), ALERTS.c.status == _FIRING)
        .group_by(ALERTS.c.incident_id)
    )
    return {incident_id: count for incident_id, count in (await session.execute(stmt)).all()}
