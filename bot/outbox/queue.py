"""Putting work into the outbox (the domain side: no Slack here)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dbops import insert_ignore
from bot.outbox.models import OpStatus, OutboxOp


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
    row = {
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
    return await insert_ignore(session, OutboxOp.__table__, row, ["key"]) == 1  # type: ignore[arg-type]


async def pending_count(session: AsyncSession) -> int:
    stmt = (
        select(func.count())
        .select_from(OutboxOp)
        .where(OutboxOp.status.in_([OpStatus.PENDING, OpStatus.RUNNING]))
    )
    return int(await session.scalar(stmt) or 0)
