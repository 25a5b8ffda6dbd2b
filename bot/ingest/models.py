"""Stored alerts: every alert received is kept, whether or not it opened anything."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, JSONType, UTCDateTime
from bot.ingest.alert import AlertStatus
from bot.types import str_enum


class Disposition(StrEnum):
    """What crebot did with an alert, and so where its review belongs."""

    INCIDENT = "incident"  # attached to a tenant incident
    UNTENANTED = "untenanted"
    NON_KEY = "non_key"


class Verdict(StrEnum):
    TRUE_POSITIVE = "true_positive"
    FALSE_POSITIVE = "false_positive"


class AlertRecord(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        # One occurrence is source + dedup key + start; a redelivery hits this constraint.
        UniqueConstraint("source", "dedup_key", "occurrence"),
        Index("ix_alerts_incident", "incident_id"),
        Index("ix_alerts_signature_received", "signature_id", "received_at"),
        Index("ix_alerts_source_dedup_status", "source", "dedup_key", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    dedup_key: Mapped[str] = mapped_column(String(255))
    # starts_at in a fixed UTC form; for sources without start times "open" while the
    # occurrence fires (so one open occurrence per dedup key), renamed to its receipt time
    # and row id once it resolves (bot/ingest/occurrences.py).
    occurrence: Mapped[str] = mapped_column(String(40))
    status: Mapped[AlertStatus] = mapped_column(str_enum(AlertStatus, 16))
    tenant: Mapped[str | None] = mapped_column(String(128))
    signature_id: Mapped[str | None] = mapped_column(String(64))
    disposition: Mapped[Disposition] = mapped_column(str_enum(Disposition, 16))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    alertname: Mapped[str | None] = mapped_column(String(200))
    labels: Mapped[dict[str, str]] = mapped_column(JSONType(), default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[dict[str, str]] = mapped_column(JSONType(), default=dict)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verdict: Mapped[Verdict | None] = mapped_column(str_enum(Verdict, 16))
    calibration_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(32))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
