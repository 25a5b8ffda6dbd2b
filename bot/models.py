"""Every model, imported in one place so the metadata is complete (Alembic, tests)."""

from __future__ import annotations

from bot.audit import AuditEntry
from bot.db import Base
from bot.incidents.models import ActionItem, ClockStep, Incident, TimelineEntry
from bot.ingest.models import AlertRecord
from bot.intake.models import IntakeRevision
from bot.notifications.models import Notification, NotificationRevision
from bot.outbox.models import OutboxOp
from bot.slack.models import SeenEvent
from bot.tenants.models import Tenant

metadata = Base.metadata

__all__ = [
    "ActionItem",
    "AlertRecord",
    "AuditEntry",
    "ClockStep",
    "Incident",
    "IntakeRevision",
    "Notification",
    "NotificationRevision",
    "OutboxOp",
    "SeenEvent",
    "Tenant",
    "TimelineEntry",
    "metadata",
]
