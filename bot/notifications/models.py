from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime
from bot.types import str_enum


class MessageKind(StrEnum):
    INITIAL = "initial"
    UPDATE = "update"
    RESOLVED = "resolved"


class NotificationStatus(StrEnum):
    DRAFT = "draft"  # prepared, approval not yet requested (impact unconfirmed)
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"  # delivery queued
    DELIVERED = "delivered"
    AWAITING_RELAY = "awaiting_relay"  # no customer channel: CSAMs relay it
    REJECTED = "rejected"
    STALE = "stale"


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind, 16))
    status: Mapped[NotificationStatus] = mapped_column(str_enum(NotificationStatus, 24))
    revision: Mapped[int] = mapped_column(Integer, default=1)  # the latest revision
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approval_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approval_message_ts: Mapped[str | None] = mapped_column(String(32))
    approved_revision: Mapped[int | None] = mapped_column(Integer)
    approved_by: Mapped[str | None] = mapped_column(String(32))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejected_by: Mapped[str | None] = mapped_column(String(32))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reject_reason: Mapped[str | None] = mapped_column(Text)
    stale_reason: Mapped[str | None] = mapped_column(String(200))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_channel: Mapped[str | None] = mapped_column(String(32))
    delivered_ts: Mapped[str | None] = mapped_column(String(32))
    relayed_by: Mapped[str | None] = mapped_column(String(32))
    next_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotificationRevision(Base):
    __tablename__ = "notification_revisions"
    __table_args__ = (UniqueConstraint("notification_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(32))  # None: drafted by crebot
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
