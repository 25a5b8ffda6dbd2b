"""Putting work into the outbox (the domain side: no Slack here)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dbops import insert_ignore
from bot.outbox.models import OpStatus, OutboxOp


def outbox_row(
    kind: str,
    *,
    now: datetime,
    payload: dict[str, Any] | None = None,
    key: str | None = None,
    incident_id: int | None = None,
    delay: timedelta | None = None,
) -> dict[str, Any]:
    """One pending operation as a row, for `enqueue_many`."""
    return {
        "kind": kind,
        "key": key or f"{kind}:{uuid.uuid4().hex}",
        "incident_id": incident_id,
        "payload": payload or {},
        "progress": {},
        "status": OpStatus.PENDING.value,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now + (delay or timedelta(0)),
    }


async def enqueue_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Queue many operations in one statement; keys already queued are skipped.
    Returns how many were queued now."""
    return await insert_ignore(session, OutboxOp.__table__, rows, ["key"])  # type: ignore[arg-type]


async def enqueue(
    session: AsyncSession,
    kind: str,
    *,
    now: datetime,
    payload: dict[str, Any] | None = None,
    key: str | None = None,
    incident_id: int | None = None,
    delay: timedelta | None = None,
) -> bool:
    """Queue one operation; with a `key` already queued, do nothing. True if queued now."""
    row = outbox_row(kind, now=now, payload=payload, key=key, incident_id=incident_id, delay=delay)
    return await enqueue_many(session, [row]) == 1


async def pending_count(session: AsyncSession) -> int:
    stmt = (
        select(func.count())
        .select_from(OutboxOp)
        .where(OutboxOp.status.in_([OpStatus.PENDING, OpStatus.RUNNING]))
    )
    return int(await session.scalar(stmt) or 0)
