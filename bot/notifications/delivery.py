"""What delivering an approved message changes in the database (the Slack calls are in
bot/slack/notify_delivery.py, which calls these in the outbox handler's transaction).

Delivered means the customer has it: posted in the tenant's Slack Connect channel, or
relayed by a CSAM who then marked it as sent. The first delivered message starts the
customer update cadence of the response clock; each later one moves it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.domain import DomainConfig
from bot.errors import NotAllowed
from bot.incidents import clock as response_clock
from bot.incidents.models import Incident
from bot.incidents.service import refresh_header
from bot.notifications import ops, queries
from bot.notifications.journal import record
from bot.notifications.models import MessageKind, Notification, NotificationStatus
from bot.notifications.rules import Deciders

S = NotificationStatus


async def _incident(session: AsyncSession, notification: Notification) -> Incident:
    incident = await session.get(Incident, notification.incident_id)
    assert incident is not None
    return incident


async def start_cadence(
    session: AsyncSession,
    incident: Incident,
    notification: Notification,
    now: datetime,
    config: DomainConfig,
) -> None:
    """The next update is due when this message promised it (if still ahead), else after
    `response.update_every`. A resolved message promises nothing more."""
    if notification.kind == MessageKind.RESOLVED:
        return
    promised = notification.next_update_at
    due = promised if promised is not None and promised > now else None
    await response_clock.schedule_update_due(session, incident, due, now, config=config)


async def _after_delivery(
    session: AsyncSession, notification: Notification, now: datetime, config: DomainConfig
) -> None:
    incident = await _incident(session, notification)
    await start_cadence(session, incident, notification, now, config)
    if config.channels.support:
        await ops.copy_to_support(session, notification, now)
    await ops.redraw(session, notification, now)
    await refresh_header(session, incident, now)


async def delivered(
    session: AsyncSession,
    notification: Notification,
    *,
    channel: str,
    ts: str,
    now: datetime,
    config: DomainConfig,
) -> None:
    """The approved text is in the customer's channel."""
    notification.status = S.DELIVERED
    notification.delivered_at, notification.delivered_channel = now, channel
    notification.delivered_ts = ts
    revision = notification.approved_revision
    text = (await queries.revision(session, notification.id, revision)).text if revision else None
    record(
        session,
        notification,
        action="delivered",
        at=now,
        actor=None,
        revision=revision,
        text=text,
        timeline=f"Customer message ({notification.kind.value}) sent to <#{channel}>",
        channel=channel,
        ts=ts,
    )
    await _after_delivery(session, notification, now, config)


async def relay_requested(
    session: AsyncSession, notification: Notification, *, recipients: list[str], now: datetime
) -> None:
    """No Slack Connect channel: the CSAMs have the approved text to pass on."""
    notification.status = S.AWAITING_RELAY
    revision = notification.approved_revision
    text = (await queries.revision(session, notification.id, revision)).text if revision else None
    who = ", ".join(f"<@{u}>" for u in recipients) or "nobody (the tenant has no CSAMs)"
    record(
        session,
        notification,
        action="relay_requested",
        at=now,
        actor=None,
        revision=revision,
        text=text,
        timeline=f"Customer message ({notification.kind.value}) sent to {who} to relay",
        recipients=recipients,
    )
    await ops.redraw(session, notification, now)
    await refresh_header(session, await _incident(session, notification), now)


async def mark_sent(
    session: AsyncSession,
    notification_id: int,
    *,
    user: str,
    now: datetime,
    deciders: Deciders,
    config: DomainConfig,
) -> Notification:
    """A CSAM passed the message on: record who and when. Once only."""
    notification = await queries.get(session, notification_id, fresh=True)
    if not deciders.may_decide(user):
        raise NotAllowed(f"Only {deciders.describe()} may mark this message as sent.")
    result = await session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.status == S.AWAITING_RELAY)
        .values(status=S.DELIVERED, delivered_at=now, relayed_by=user)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(notification)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        if notification.relayed_by:
            raise NotAllowed(f"<@{notification.relayed_by}> already marked it as sent.")
        raise NotAllowed("This message is not waiting to be relayed.")
    revision = notification.approved_revision
    text = (await queries.revision(session, notification.id, revision)).text if revision else None
    record(
        session,
        notification,
        action="marked_sent",
        at=now,
        actor=user,
        revision=revision,
        text=text,
        timeline=f"Customer message ({notification.kind.value}) relayed to the customer "
        f"by <@{user}>",
    )
    await ops.relayed(session, notification, now)
    await _after_delivery(session, notification, now, config)
    return notification


def unreachable(
    session: AsyncSession, notification: Notification, *, channel: str, code: str, now: datetime
) -> None:
    """The customer channel refused the message (archived, crebot removed from it): it goes
    to the CSAMs to relay instead, and the channel should be fixed in crebot.yaml."""
    record(
        session,
        notification,
        action="channel_unreachable",
        at=now,
        actor=None,
        revision=notification.approved_revision,
        text=None,
        timeline=f"Could not post the customer message in <#{channel}> ({code}); "
        "sending it to the CSAMs to relay instead",
        channel=channel,
        code=code,
    )


def reminded(
    session: AsyncSession,
    notification: Notification,
    *,
    stage: str,
    targets: list[str],
    now: datetime,
) -> None:
    who = ", ".join(f"<@{u}>" for u in targets) or "nobody"
    what = "reminded" if stage == ops.STAGE_CSAMS else "offered to the approvers"
    record(
        session,
        notification,
        action=f"reminder_{stage}",
        at=now,
        actor=None,
        revision=notification.revision,
        text=None,
        timeline=f"Customer message ({notification.kind.value}) still waits for approval: "
        f"{what} ({who})",
        targets=targets,
    )
