"""The audit log: who did what, when, to which incident or message, with what text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, JSONType, UTCDateTime


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_incident", "incident_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str | None] = mapped_column(String(32))  # Slack user id; None for crebot
    action: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL")
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)


def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str | None,
    action: str,
    incident_id: int | None = None,
    notification_id: int | None = None,
    **data: Any,
) -> AuditEntry:
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        incident_id=incident_id,
        notification_id=notification_id,
        data=data,
    )
    session.add(entry)
    return entry
