"""Incidents and what hangs off them: timeline entries, clock steps, action items."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, JSONType, UTCDateTime
from bot.incidents.states import IncidentStatus
from bot.types import str_enum


class DetectedBy(StrEnum):
    MONITORING = "monitoring"
    CUSTOMER = "customer"


class IncidentKind(StrEnum):
    TENANT = "tenant"
    PLATFORM = "platform"  # storm mode: one incident tracking many tenants


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        # At most one unresolved incident per (tenant, signature): `active_key` is
        # "tenant/signature" while the incident is active and NULL afterwards, and NULLs never
        # collide in a unique constraint, on SQLite or PostgreSQL.
        UniqueConstraint("active_key"),
        Index("ix_incidents_tenant_status", "tenant_id", "status"),
        Index("ix_incidents_platform_incident_id", "platform_incident_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[IncidentKind] = mapped_column(
        str_enum(IncidentKind, 16), default=IncidentKind.TENANT
    )
    tenant_id: Mapped[str | None] = mapped_column(ForeignKey("tenants.id"))
    signature_id: Mapped[str] = mapped_column(String(64))
    signature_title: Mapped[str] = mapped_column(String(200))
    owner_team: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[IncidentStatus] = mapped_column(
        str_enum(IncidentStatus, 16), default=IncidentStatus.OPEN
    )
    active_key: Mapped[str | None] = mapped_column(String(160))
    detected_by: Mapped[DetectedBy] = mapped_column(str_enum(DetectedBy, 16))
    platform_incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    # A responder unlinked it from its platform incident: storm mode leaves it on its own.
    platform_unlinked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    response_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    false_positive: Mapped[bool] = mapped_column(Boolean, default=False)
    impact_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    impact_confirmed_by: Mapped[str | None] = mapped_column(String(32))
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    customer_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    all_alerts_resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    review_note: Mapped[str | None] = mapped_column(Text)

    # What the Slack room work made, recorded so every step can resume after a crash.
    channel_id: Mapped[str | None] = mapped_column(String(32))
    channel_name: Mapped[str | None] = mapped_column(String(80))
    header_ts: Mapped[str | None] = mapped_column(String(32))
    slack_state: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)

    timeline: Mapped[list[TimelineEntry]] = relationship(
        back_populates="incident", order_by="TimelineEntry.id", lazy="raise"
    )

    @property
    def number(self) -> int:
        return self.id

    @staticmethod
    def make_active_key(tenant_id: str | None, signature_id: str, kind: IncidentKind) -> str:
        return f"{kind.value}:{tenant_id or '-'}/{signature_id}"


class TimelineEntry(Base):
    __tablename__ = "timeline_entries"
    __table_args__ = (
        Index("ix_timeline_entries_incident_at", "incident_id", "at"),
        # A pushpinned message lands on the timeline once, however many people pin it.
        UniqueConstraint("incident_id", "source_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    # Slack message ts a pushpin came from, so one message is pinned to the timeline once.
    source_ref: Mapped[str | None] = mapped_column(String(64))

    incident: Mapped[Incident] = relationship(back_populates="timeline", lazy="raise")


class StepKind(StrEnum):
    REMINDER = "reminder"
    DEADLINE = "deadline"  # the response SLO runs out: the breach is recorded, the header redrawn
    ESCALATION = "escalation"
    UPDATE_DUE = "update_due"
    APPROVAL_REMINDER = "approval_reminder"


class StepState(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"
    SUSPENDED = "suspended"


class ClockStep(Base):
    """Something that must happen at a time: a reminder, an escalation, an update nudge.

    Stored, not only scheduled in memory, so a restart loses nothing; `key` makes each
    step unique per incident so it can never be created, or fire, twice.
    """

    __tablename__ = "clock_steps"
    __table_args__ = (
        UniqueConstraint("incident_id", "key"),
        Index("ix_clock_steps_state_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[StepKind] = mapped_column(str_enum(StepKind, 24))
    step_index: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[StepState] = mapped_column(str_enum(StepState, 16), default=StepState.PENDING)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    targets: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)


class ActionItem(Base):
    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(64))
    due_date: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
