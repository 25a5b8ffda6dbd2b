"""The Slack side of customer messages, run by the outbox (kinds in bot.notifications.ops).

Delivery to the customer happens exactly once. The operation is keyed by message and
revision, so it is queued once; each Slack call that makes something is followed by a
checkpoint, so a retry resumes instead of repeating; and the customer post carries the
operation's key in its message metadata, so a retry after a post whose answer was lost
(a dropped connection, a crash before the checkpoint) finds that post instead of making
a second one. An outage only delays it: the worker retries with backoff.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select, update

from bot.notifications import delivery, ops
from bot.notifications.models import Notification, NotificationStatus
from bot.outbox.models import OutboxOp
from bot.outbox.worker import Handler, OpContext
from bot.slack.blocks.notification import (
    ask_text,
    draft_blocks,
    draft_text,
    relay_blocks,
    relay_text,
    reminder_text,
    support_copy,
)
from bot.slack.errors import slack_error_code
from bot.slack.members import resolve_users
from bot.slack.notify_lookup import draft_view, parts, permalink, slack
from bot.slack.text import escape

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

S = NotificationStatus
METADATA_TYPE = "crebot_customer_message"
HISTORY_LOOKBACK = 50


class RoomNotReady(Exception):
    """The incident channel, or the draft in it, does not exist yet. Not a CrebotError on
    purpose: the outbox retries it with backoff instead of giving up."""


async def on_show(runtime: Runtime, ctx: OpContext) -> None:
    """Post the draft in the incident channel, or redraw it where it is."""
    session, client = ctx.session, slack(runtime)
    notification, incident, tenant = await parts(session, runtime, ctx.payload["notification_id"])
    if incident.channel_id is None and incident.platform_incident_id is not None:
        return  # storm mode: no room of its own; the platform header counts its drafts
    if incident.channel_id is None:
        raise RoomNotReady(f"incident {incident.id} has no channel yet")
    link = await permalink(client, notification.delivered_channel, notification.delivered_ts)
    view = await draft_view(session, notification, incident, tenant, link=link)
    text, blocks = draft_text(view), draft_blocks(view)
    if notification.approval_message_ts is not None:
        await client.chat_update(
            channel=incident.channel_id,
            ts=notification.approval_message_ts,
            text=text,
            blocks=blocks,
        )
        return
    answer = await client.chat_postMessage(
        channel=incident.channel_id,
        text=text,
        blocks=blocks,
        unfurl_links=False,
        unfurl_media=False,
    )
    ts = str(answer["ts"])
    claimed = await session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.approval_message_ts.is_(None))
        .values(approval_message_ts=ts)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        # Another redraw posted it first (two workers): keep one message in the channel.
        await client.chat_delete(channel=incident.channel_id, ts=ts)
    await ctx.checkpoint(posted=ts)


async def on_ask(runtime: Runtime, ctx: OpContext) -> None:
    """Ping the CSAMs under the draft: a mention in an edited message notifies nobody."""
    if ctx.progress.get("ts"):
        return
    session, client = ctx.session, slack(runtime)
    notification, incident, tenant = await parts(session, runtime, ctx.payload["notification_id"])
    if notification.status != S.PENDING_APPROVAL:
        return
    if incident.channel_id is None and incident.platform_incident_id is not None:
        from bot.slack.storm_actions import ask_by_dm  # storm mode builds on this module

        await ask_by_dm(runtime, ctx, notification, incident, tenant)
        return
    if incident.channel_id is None or notification.approval_message_ts is None:
        raise RoomNotReady(f"the draft of incident {incident.id} is not posted yet")
    view = await draft_view(session, notification, incident, tenant)
    answer = await client.chat_postMessage(
        channel=incident.channel_id, thread_ts=notification.approval_message_ts, text=ask_text(view)
    )
    await ctx.checkpoint(ts=str(answer["ts"]))


async def _find_posted(client: AsyncWebClient, channel: str, key: str) -> str | None:
    """The ts of a message this operation already posted, found by its metadata."""
    try:
        answer = await client.conversations_history(
            channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
        )
    except SlackApiError as exc:
        if exc.response.status_code == 429 or exc.response.status_code >= 500:
            raise
        log.warning(
            "cannot read %s to check for an earlier post: %s", channel, slack_error_code(exc)
        )
        return None
    for message in answer.get("messages") or []:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == METADATA_TYPE and payload.get("key") == key:
            return str(message["ts"])
    return None


# The customer channel cannot take the message; no retry will change that.
UNREACHABLE = frozenset({"channel_not_found", "not_in_channel", "is_archived"})


async def _post_to_customer(client: AsyncWebClient, ctx: OpContext, channel: str, text: str) -> str:
    """Post once: a retry first looks for the post an earlier attempt may have made."""
    ts = ctx.progress.get("customer_ts")
    if ts is None and ctx.progress.get("customer_attempt"):
        ts = await _find_posted(client, channel, ctx.op.key)
    if ts is None:
        await ctx.checkpoint(customer_attempt=True)
        answer = await client.chat_postMessage(
            channel=channel,
            text=escape(text),
            unfurl_links=False,
            unfurl_media=False,
            metadata={"event_type": METADATA_TYPE, "event_payload": {"key": ctx.op.key}},
        )
        ts = str(answer["ts"])
    return str(ts)


async def on_deliver(runtime: Runtime, ctx: OpContext) -> None:
    session, client = ctx.session, slack(runtime)
    notification, incident, tenant = await parts(session, runtime, ctx.payload["notification_id"])
    revision = int(ctx.payload["revision"])
    if notification.status != S.APPROVED or notification.approved_revision != revision:
        return  # delivered already (this is a retry after the commit), or never approved
    view = await draft_view(session, notification, incident, tenant)
    now, config = runtime.clock.now(), runtime.domain.config
    channel = tenant.customer_channel
    problem = ctx.progress.get("unreachable")
    if channel and problem is None:
        try:
            ts = await _post_to_customer(client, ctx, channel, view.text)
        except SlackApiError as exc:
            problem = slack_error_code(exc)
            if problem not in UNREACHABLE:
                raise
            # Nothing was posted: tell the CSAMs instead, and say why.
            delivery.unreachable(session, notification, channel=channel, code=problem, now=now)
            await ctx.checkpoint(unreachable=problem)
        else:
            await delivery.delivered(
                session, notification, channel=channel, ts=ts, now=now, config=config
            )
            await ctx.checkpoint(customer_ts=ts)
            return
    # No Slack Connect channel (or it refused): the CSAMs pass it on, or the approvers
    # when the tenant has no CSAMs.
    recipients = await resolve_users(client, tenant.csams or config.approvers)
    sent: dict[str, Any] = dict(ctx.progress.get("relay") or {})
    blocks = relay_blocks(view, None, None, problem=problem)
    for user in recipients:
        if user in sent:
            continue
        dm = await client.conversations_open(users=user)
        dm_channel = str(dm["channel"]["id"])
        answer = await client.chat_postMessage(
            channel=dm_channel, text=relay_text(view), blocks=blocks
        )
        sent[user] = [dm_channel, str(answer["ts"])]
        await ctx.checkpoint(relay=sent)
    await delivery.relay_requested(session, notification, recipients=recipients, now=now)


async def on_copy(runtime: Runtime, ctx: OpContext) -> None:
    """The support channel's copy of a delivered message."""
    support = runtime.domain.config.channels.support
    if not support or ctx.progress.get("ts"):
        return
    session, client = ctx.session, slack(runtime)
    notification, incident, tenant = await parts(session, runtime, ctx.payload["notification_id"])
    link = await permalink(client, notification.delivered_channel, notification.delivered_ts)
    view = await draft_view(session, notification, incident, tenant, link=link)
    answer = await client.chat_postMessage(
        channel=support, text=support_copy(view), unfurl_links=False, unfurl_media=False
    )
    await ctx.checkpoint(ts=str(answer["ts"]))


async def on_relayed(runtime: Runtime, ctx: OpContext) -> None:
    """Someone marked the message as sent: every CSAM's DM says so, buttons gone."""
    session, client = ctx.session, slack(runtime)
    notification, incident, tenant = await parts(session, runtime, ctx.payload["notification_id"])
    revision = notification.approved_revision or notification.revision
    deliver_op = await session.scalar(
        select(OutboxOp).where(OutboxOp.key == ops.deliver_key(notification.id, revision))
    )
    dms: dict[str, Any] = (
        dict((deliver_op.progress if deliver_op else None) or {}).get("relay") or {}
    )
    view = await draft_view(session, notification, incident, tenant)
    problem = dict((deliver_op.progress if deliver_op else None) or {}).get("unreachable")
    blocks = relay_blocks(view, notification.relayed_by, notification.delivered_at, problem=problem)
    done = set(ctx.progress.get("done") or [])
    for user, (channel, ts) in dms.items():
        if user in done:
            continue
        await client.chat_update(channel=channel, ts=ts, text=relay_text(view), blocks=blocks)
        done.add(user)
        await ctx.checkpoint(done=sorted(done))


async def on_remind(runtime: Runtime, ctx: OpContext) -> None:
    """Still waiting: DM the CSAMs (then the approvers) and note it under the draft."""
    session, client = ctx.session, slack(runtime)
    notification, incident, tenant = await parts(session, runtime, ctx.payload["notification_id"])
    requested = notification.approval_requested_at
    if (
        notification.status != S.PENDING_APPROVAL
        or requested is None
        or requested.isoformat() != ctx.payload.get("requested_at")
    ):
        return  # decided, stale, or asked again since: that request has its own reminders
    stage = str(ctx.payload["stage"])
    config = runtime.domain.config
    configured = list(tenant.csams) if stage == ops.STAGE_CSAMS else list(config.approvers)
    targets = await resolve_users(client, configured)
    view = await draft_view(session, notification, incident, tenant)
    link = await permalink(client, incident.channel_id, notification.approval_message_ts)
    waited = runtime.clock.now() - requested
    text = reminder_text(view, stage, configured, link, waited)
    done = set(ctx.progress.get("dm") or [])
    for user in targets:
        if user in done:
            continue
        dm = await client.conversations_open(users=user)
        await client.chat_postMessage(channel=str(dm["channel"]["id"]), text=text)
        done.add(user)
        await ctx.checkpoint(dm=sorted(done))
    if incident.channel_id and notification.approval_message_ts and not ctx.progress.get("thread"):
        await client.chat_postMessage(
            channel=incident.channel_id, thread_ts=notification.approval_message_ts, text=text
        )
        await ctx.checkpoint(thread=True)
    delivery.reminded(session, notification, stage=stage, targets=targets, now=runtime.clock.now())


def handlers(runtime: Runtime) -> dict[str, Handler]:
    return {
        ops.SHOW: partial(on_show, runtime),
        ops.ASK: partial(on_ask, runtime),
        ops.DELIVER: partial(on_deliver, runtime),
        ops.COPY: partial(on_copy, runtime),
        ops.RELAYED: partial(on_relayed, runtime),
        ops.REMIND: partial(on_remind, runtime),
    }
