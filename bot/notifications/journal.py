"""Recording each step of a customer message: the audit log (who, when, which revision, what
text) and, for the people in the incident channel, a line on the timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.incidents.timeline import EntryKind, add_entry
from bot.notifications.models import Notification


def record(
    session: AsyncSession,
    notification: Notification,
    *,
    action: str,
    at: datetime,
    actor: str | None,
    revision: int | None,
    text: str | None,
    timeline: str | None = None,
    **data: Any,
) -> None:
    """Audit one step (`notification.<action>`); with `timeline`, note it there too.

    `text` is the customer text the step concerns, kept verbatim: the audit log must show
    what was approved or sent even after later revisions.
    """
    audit.record(
        session,
        at=at,
        actor=actor,
        action=f"notification.{action}",
        incident_id=notification.incident_id,
        notification_id=notification.id,
        kind=notification.kind.value,
        revision=revision,
        text=text,
        **data,
    )
    if timeline is not None:
        add_entry(
            session,
            notification.incident_id,
            at=at,
            kind=EntryKind.NOTIFICATION,
            text=timeline,
            actor=actor,
            notification_id=notification.id,
            revision=revision,
            action=action,
        )


def by(actor: str | None) -> str:
    return f"<@{actor}>" if actor else "crebot"
