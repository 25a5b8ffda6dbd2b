"""The Slack work customer messages queue in the outbox (handled in bot/slack/notify_delivery.py).

Each kind is queued in the same transaction as the change it reports. Keys make the work
that must happen once happen once: delivery is keyed by notification and revision, so a
double click on Approve, or two processes, queue one delivery.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.notifications.models import Notification
from bot.outbox.models import OpStatus, OutboxOp
from bot.outbox.queue import enqueue

SHOW = "notification.show"  # post or redraw the draft in the incident channel
ASK = "notification.ask"  # ping the CSAMs: a message waits for their approval
DELIVER = "notification.deliver"  # the approved text to the customer, or to the CSAMs to relay
COPY = "notification.copy"  # a copy of a delivered message for the support channel
RELAYED = "notification.relayed"  # redraw the relay DMs once someone marked it sent
REMIND = "notification.remind"  # still waiting: remind the CSAMs, then offer to approvers

STAGE_CSAMS = "csams"
STAGE_APPROVERS = "approvers"


def deliver_key(notification_id: int, revision: int) -> str:
    return f"{DELIVER}:{notification_id}:{revision}"


async def redraw(session: AsyncSession, notification: Notification, now: datetime) -> None:
    """Show the message's current state in the incident channel. One pending redraw is
    enough: it draws the state as it is when it runs, so later changes ride along."""
    pending = await session.scalars(
        select(OutboxOp.payload).where(
            OutboxOp.kind == SHOW,
            OutboxOp.incident_id == notification.incident_id,
            OutboxOp.status == OpStatus.PENDING,
        )
    )
    if any((p or {}).get("notification_id") == notification.id for p in pending.all()):
        return
    await enqueue(
        session,
        SHOW,
        now=now,
        incident_id=notification.incident_id,
        payload={"notification_id": notification.id},
    )


async def ask(session: AsyncSession, notification: Notification, now: datetime) -> None:
    """Ping the CSAMs once per approval request."""
    requested = int((notification.approval_requested_at or now).timestamp())
    await enqueue(
        session,
        ASK,
        now=now,
        key=f"{ASK}:{notification.id}:{requested}",
        incident_id=notification.incident_id,
        payload={"notification_id": notification.id},
    )


async def schedule_reminders(
    session: AsyncSession,
    notification: Notification,
    now: datetime,
    *,
    remind_after: timedelta,
    offer_after: timedelta,
) -> None:
    """Remind the CSAMs after `remind_after`, offer it to the approvers after `offer_after`.

    Delayed outbox work rather than clock steps: it needs no scheduler to fire, survives a
    restart as rows do, and each reminder checks when it runs whether the message still
    waits (approved, rejected or stale messages are left alone).
    """
    requested = notification.approval_requested_at or now
    epoch = int(requested.timestamp())
    for stage, after in ((STAGE_CSAMS, remind_after), (STAGE_APPROVERS, offer_after)):
        await enqueue(
            session,
            REMIND,
            now=now,
            key=f"{REMIND}:{notification.id}:{epoch}:{stage}",
            incident_id=notification.incident_id,
            payload={
                "notification_id": notification.id,
                "stage": stage,
                "requested_at": requested.isoformat(),
            },
            delay=max(timedelta(0), requested + after - now),
        )


async def deliver(session: AsyncSession, notification: Notification, now: datetime) -> bool:
    revision = notification.approved_revision
    assert revision is not None, "only an approved message is delivered"
    return await enqueue(
        session,
        DELIVER,
        now=now,
        key=deliver_key(notification.id, revision),
        incident_id=notification.incident_id,
        payload={"notification_id": notification.id, "revision": revision},
    )


async def copy_to_support(session: AsyncSession, notification: Notification, now: datetime) -> None:
    await enqueue(
        session,
        COPY,
        now=now,
        key=f"{COPY}:{notification.id}",
        incident_id=notification.incident_id,
        payload={"notification_id": notification.id},
    )


async def relayed(session: AsyncSession, notification: Notification, now: datetime) -> None:
    await enqueue(
        session,
        RELAYED,
        now=now,
        key=f"{RELAYED}:{notification.id}",
        incident_id=notification.incident_id,
        payload={"notification_id": notification.id},
    )
