"""Storm mode in Slack: `/cre platform`, `/cre link`, `/cre unlink`, the bulk approval, and
the outbox work that keeps rooms and CSAMs told.

    held_by_storm(runtime, ctx, incident)    room.open asks first: linked, so no channel
    refresh_platform_of(ctx)                 room.header of a linked tenant: redraw its platform
    ask_by_dm(runtime, ctx, ...)             a linked tenant's draft goes to its CSAMs by DM

Listeners ack first, then work in their own unit of work, as in bot/slack/room_actions.py.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.features import Feature
from bot.incidents import service, storm
from bot.incidents.models import Incident, IncidentKind
from bot.incidents.states import ACTIVE
from bot.incidents.storm_messages import TOLD, approve_all
from bot.incidents.view import playbook_for
from bot.notifications.context import TenantFacts
from bot.notifications.models import Notification
from bot.outbox.worker import Handler, OpContext
from bot.slack import ids
from bot.slack.blocks.fit import channel_ref
from bot.slack.blocks.notification import ask_text, draft_blocks
from bot.slack.blocks.storm import linked_note, told_text
from bot.slack.commands import CommandCall, CommandRouter
from bot.slack.members import is_group, resolve_users
from bot.slack.notify_lookup import draft_view, parts, slack, tell
from bot.slack.text import escape

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

IN_PLATFORM_ROOM = "Run `/cre {what} <tenant>` in a platform incident's channel."


class PlatformRoomNotReady(Exception):
    """The platform incident's channel does not exist yet. Not a CrebotError on purpose:
    the outbox retries it with backoff instead of giving up."""


# outbox side ----------------------------------------------------------------------------


async def held_by_storm(runtime: Runtime, ctx: OpContext, incident: Incident) -> bool:
    """True when the incident follows a platform incident and so gets no room of its own.

    Asked again here, after the opening transaction committed: a tenant opened by a
    delivery running beside the one that started the storm joins it now instead of
    opening a channel. A room already begun (a channel made before a storm took the
    incident in) is finished as usual.
    """
    if incident.channel_id or ctx.progress.get("creating"):
        return False
    if incident.platform_incident_id is None:
        playbook = playbook_for(runtime.domain, incident.signature_id)
        now = ctx.clock.now()
        platform = await storm.evaluate(ctx.session, runtime.domain.config, incident, playbook, now)
        if platform is None:
            return False
        await ctx.session.commit()
        runtime.wake_outbox()
    return True


async def refresh_platform_of(ctx: OpContext) -> None:
    if ctx.op.incident_id is None:
        return
    incident = await ctx.session.get(Incident, ctx.op.incident_id)
    if incident is None or incident.platform_incident_id is None:
        return
    platform = await ctx.session.get(Incident, incident.platform_incident_id)
    if platform is not None:
        await service.refresh_header(ctx.session, platform, ctx.clock.now())


async def on_linked(runtime: Runtime, ctx: OpContext) -> None:
    """The note in a tenant incident's own room: the storm took it in, follow the platform."""
    if ctx.progress.get("ts"):
        return
    incident = await ctx.session.get(Incident, ctx.op.incident_id or 0)
    platform = await ctx.session.get(Incident, int(ctx.payload["platform_incident_id"]))
    if incident is None or platform is None or incident.channel_id is None:
        return
    if incident.platform_incident_id != platform.id:
        return  # unlinked again before the note went out
    if platform.channel_id is None:
        raise PlatformRoomNotReady(f"platform incident {platform.id} has no channel yet")
    answer = await slack(runtime).chat_postMessage(
        channel=incident.channel_id, text=linked_note(platform.number, platform.channel_id)
    )
    await ctx.checkpoint(ts=str(answer["ts"]))


async def ask_by_dm(
    runtime: Runtime,
    ctx: OpContext,
    notification: Notification,
    incident: Incident,
    tenant: TenantFacts,
) -> None:
    """A linked tenant has no room to show its draft in: its CSAMs get it by DM, with the
    usual Approve & send, Edit and Reject buttons, to approve it one by one."""
    client = slack(runtime)
    view = await draft_view(ctx.session, notification, incident, tenant)
    sent: dict[str, Any] = dict(ctx.progress.get("dm") or {})
    for user in await resolve_users(client, tenant.csams):
        if user in sent:
            continue
        dm = await client.conversations_open(users=user)
        channel = str(dm["channel"]["id"])
        answer = await client.chat_postMessage(
            channel=channel, text=ask_text(view), blocks=draft_blocks(view)
        )
        sent[user] = [channel, str(answer["ts"])]
        await ctx.checkpoint(dm=sent)


async def on_told(runtime: Runtime, ctx: OpContext) -> None:
    """After a bulk approval: each CSAM of the tenant hears what went out on their behalf."""
    client = slack(runtime)
    notification, incident, tenant = await parts(
        ctx.session, runtime, int(ctx.payload["notification_id"])
    )
    platform = await ctx.session.get(Incident, int(ctx.payload["platform_incident_id"]))
    view = await draft_view(ctx.session, notification, incident, tenant)
    text = told_text(
        approver=str(ctx.payload.get("approver") or ""),
        tenant_name=tenant.name,
        platform_number=platform.number if platform is not None else 0,
        kind=notification.kind.value,
        text=view.text,
        customer_channel=tenant.customer_channel,
    )
    done = set(ctx.progress.get("dm") or [])
    for user in await resolve_users(client, tenant.csams):
        if user in done:
            continue
        dm = await client.conversations_open(users=user)
        await client.chat_postMessage(channel=str(dm["channel"]["id"]), text=text)
        done.add(user)
        await ctx.checkpoint(dm=sorted(done))


def handlers(runtime: Runtime) -> dict[str, Handler]:
    return {storm.LINKED_NOTE: partial(on_linked, runtime), TOLD: partial(on_told, runtime)}


# listeners ------------------------------------------------------------------------------


async def promote(runtime: Runtime, *, user_id: str, channel_id: str) -> str:
    async with runtime.sessions() as session:
        incident = await service.by_channel(session, channel_id)
        if incident is None:
            return "Run `/cre platform` in a tenant incident's channel."
        if incident.kind == IncidentKind.PLATFORM:
            return f"Incident #{incident.number} is the platform incident already."
        if incident.status not in ACTIVE:
            return f"Incident #{incident.number} is {incident.status.value}: nothing to promote."
        playbook = playbook_for(runtime.domain, incident.signature_id)
        platform = await storm.promote(
            session,
            runtime.domain.config,
            incident,
            playbook,
            runtime.clock.now(),
            actor=user_id,
        )
        count = len(await storm.linked(session, platform.id))
        number, channel = platform.number, platform.channel_id
        await session.commit()
    runtime.wake_outbox()
    where = channel_ref(channel, "its channel (being opened now)")
    return (
        f"Platform incident #{number} now tracks {count} tenant incident(s) of this "
        f"signature, this one included: follow {where}."
    )


async def _tenant_incident(session: Any, platform: Incident, tenant_id: str) -> Incident | None:
    key = Incident.make_active_key(tenant_id, platform.signature_id, IncidentKind.TENANT)
    found: Incident | None = await session.scalar(
        select(Incident).where(Incident.active_key == key)
    )
    return found


async def relink(runtime: Runtime, *, user_id: str, channel_id: str, args: str, on: bool) -> str:
    what = "link" if on else "unlink"
    tenant_id = (args.split() or [""])[0].strip().lower()
    async with runtime.sessions() as session:
        platform = await service.by_channel(session, channel_id)
        if platform is None or platform.kind != IncidentKind.PLATFORM:
            return IN_PLATFORM_ROOM.format(what=what)
        if not tenant_id:
            return f"Name the tenant: `/cre {what} <tenant>`."
        incident = await _tenant_incident(session, platform, tenant_id)
        shown = escape(tenant_id)
        if incident is None:
            return f"`{shown}` has no active incident with this signature."
        now = runtime.clock.now()
        if on:
            if incident.platform_incident_id == platform.id:
                return f"Incident #{incident.number} ({shown}) is linked already."
            if incident.platform_incident_id is not None:
                return f"Incident #{incident.number} ({shown}) follows another platform incident."
            await storm.link(session, platform, incident, now, actor=user_id)
            answer = f"Linked incident #{incident.number} ({shown}); its own clock is held."
        else:
            if incident.platform_incident_id != platform.id:
                return f"Incident #{incident.number} ({shown}) is not linked to this one."
            await storm.unlink(session, incident, now, actor=user_id)
            answer = f"Unlinked incident #{incident.number} ({shown}): its own clock runs again" + (
                "." if incident.channel_id else " and its room is being opened."
            )
        await session.commit()
    runtime.wake_outbox()
    return answer


async def bulk_approve(
    runtime: Runtime, client: AsyncWebClient, *, user_id: str, platform_id: int
) -> str:
    config = runtime.domain.config
    approvers = {t for t in config.approvers if not is_group(t)}
    if user_id not in approvers:
        approvers.update(await resolve_users(client, [t for t in config.approvers if is_group(t)]))
    if user_id not in approvers:
        return (
            "Only the approvers of crebot.yaml may approve every tenant's message at once. "
            "Each tenant's CSAMs have their own tenant's draft by DM to approve. Nothing was sent."
        )
    async with runtime.sessions() as session:
        platform = await session.get(Incident, platform_id, with_for_update=True)
        if platform is None or platform.kind != IncidentKind.PLATFORM:
            return "This button is not tied to a platform incident crebot knows."
        result = await approve_all(
            session,
            platform,
            user=user_id,
            approvers=frozenset(approvers),
            now=runtime.clock.now(),
            domain=runtime.domain,
        )
        await service.refresh_header(session, platform, runtime.clock.now())
        await session.commit()
    runtime.wake_outbox()
    text = f"You approved {len(result.approved)} customer message(s): crebot is sending them."
    if result.refused:
        text += f" {len(result.refused)} were not approved (decided meanwhile, or stale)."
    return text


def setup(app: AsyncApp, runtime: Runtime, router: CommandRouter) -> None:
    async def platform_command(call: CommandCall) -> None:
        await call.reply(await promote(runtime, user_id=call.user_id, channel_id=call.channel_id))

    async def link_command(call: CommandCall) -> None:
        text = await relink(
            runtime, user_id=call.user_id, channel_id=call.channel_id, args=call.args, on=True
        )
        await call.reply(text)

    async def unlink_command(call: CommandCall) -> None:
        text = await relink(
            runtime, user_id=call.user_id, channel_id=call.channel_id, args=call.args, on=False
        )
        await call.reply(text)

    async def on_approve_all(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        value = str(((body.get("actions") or [{}])[0]).get("value") or "")
        if not value.isdigit():
            return
        user_id = str((body.get("user") or {}).get("id") or "")
        await tell(
            respond,
            await bulk_approve(runtime, client, user_id=user_id, platform_id=int(value)),
        )

    router.add("platform", platform_command)
    router.add("link", link_command)
    router.add("unlink", unlink_command)
    app.action(ids.STORM_APPROVE_ALL)(on_approve_all)


def feature() -> Feature:
    """Storm mode: one platform incident for many tenants, and its Slack side."""
    return Feature("storm", slack=setup, outbox=handlers)
