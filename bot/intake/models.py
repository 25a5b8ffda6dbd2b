from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class IntakeRevision(Base):
    """One saved version of an incident's intake; the highest revision is the current one."""

    __tablename__ = "intake_revisions"
    __table_args__ = (UniqueConstraint("incident_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(32))

    tenant_id: Mapped[str | None] = mapped_column(String(64))
    impact_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    impact_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    timezone: Mapped[str | None] = mapped_column(String(64))  # the reporter's, kept for display
    symptom: Mapped[str | None] = mapped_column(String(32))
    signature_id: Mapped[str | None] = mapped_column(String(64))
    scope: Mapped[str | None] = mapped_column(String(16))
    scope_region: Mapped[str | None] = mapped_column(String(64))
    fastest_check: Mapped[str | None] = mapped_column(Text)
    check_result: Mapped[str | None] = mapped_column(String(16))
    owner_team: Mapped[str | None] = mapped_column(String(64))
    update_now: Mapped[str | None] = mapped_column(Text)
    update_next: Mapped[str | None] = mapped_column(Text)
    next_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    customer_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    description: Mapped[str | None] = mapped_column(Text)
