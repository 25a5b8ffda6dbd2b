"""The intake's Slack work, run by the outbox after a save (see bot/intake/service.py).

- ANNOUNCE: a declarer joins the incident channel, the channel hears what was saved, and
  the declarer is told where the incident is (a new one, or the open one the report joined).
- OWNER_CHANGED: the new owning team is invited and its channel is told.

Each step checkpoints right after the Slack call that made something, so a retry resumes
instead of posting twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.incidents import service as incidents
from bot.incidents.models import Incident
from bot.intake import service as intake
from bot.intake.fields import ONCALL, IntakeFields, missing_fields
from bot.outbox.worker import Handler, OpContext
from bot.slack.blocks.intake import saved_blocks
from bot.slack.members import invite, resolve_users
from bot.slack.text import escape

if TYPE_CHECKING:
    from bot.runtime import Runtime


class RoomNotReady(Exception):
    """The incident channel does not exist yet: retried (room.open runs first)."""


def _room(incident: Incident) -> str:
    if incident.channel_id is None:
        raise RoomNotReady(f"incident {incident.id} has no channel yet")
    return incident.channel_id


def _client(runtime: Runtime) -> AsyncWebClient:
    if runtime.slack_client is None:  # the outbox only runs with Slack configured
        raise RuntimeError("Slack is not configured")
    return runtime.slack_client


def _link(incident: Incident) -> str:
    return f"<#{incident.channel_id}>" if incident.channel_id else f"#{incident.number}"


async def _tell(client: AsyncWebClient, user: str, channel: str | None, text: str) -> None:
    """Only the declarer sees this: in the channel they declared from when crebot can post
    there, else in their direct messages with crebot."""
    if channel:
        try:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
            return
        except SlackApiError as exc:
            if exc.response.status_code == 429 or exc.response.status_code >= 500:
                raise
    await client.chat_postMessage(channel=user, text=text)


def handlers(runtime: Runtime) -> dict[str, Handler]:
    async def announce(ctx: OpContext) -> None:
        client = _client(runtime)
        payload, done = ctx.payload, ctx.progress
        incident = await incidents.get(ctx.session, int(ctx.op.incident_id or 0))
        channel = _room(incident)
        user = str(payload["user"])
        declared = bool(payload.get("declared"))
        if declared and not done.get("invited"):
            await invite(client, channel, [user])
            await ctx.checkpoint(invited=True)
        if not done.get("posted"):
            revision = await intake.current(ctx.session, incident.id)
            if revision is not None:
                fields = IntakeFields.of(revision)
                domain = runtime.domain
                tenant = domain.config.tenant(fields.tenant_id)
                lead = None
                if declared and payload.get("created"):
                    lead = f"<@{user}> declared this incident from a customer report"
                elif declared:
                    lead = f"<@{user}> attached a customer report to this incident"
                blocks = saved_blocks(
                    fields,
                    revision=int(payload["revision"]),
                    by=user,
                    changed=list(payload.get("changed") or []),
                    missing=missing_fields(
                        revision, customer_reported=intake.is_customer_reported(incident)
                    ),
                    tenant_name=tenant.name if tenant else None,
                    signature_title=incident.signature_title,
                    lead=lead,
                )
                answer = await client.chat_postMessage(
                    channel=channel,
                    text=f"Intake revision {payload['revision']} saved by <@{user}>",
                    blocks=blocks,
                )
                await ctx.checkpoint(posted=str(answer.get("ts")))
        if declared and not done.get("told"):
            if payload.get("created"):
                text = (
                    f"You declared incident #{incident.number}: {_link(incident)}. "
                    "You are its acknowledger."
                )
            else:
                text = (
                    f"{escape(incident.title)} was already open as incident #{incident.number}, "
                    f"so your customer report joined it: {_link(incident)}."
                )
            await _tell(client, user, payload.get("origin_channel"), text)
            await ctx.checkpoint(told=True)

    async def owner_changed(ctx: OpContext) -> None:
        client = _client(runtime)
        payload, done = ctx.payload, ctx.progress
        incident = await incidents.get(ctx.session, int(ctx.op.incident_id or 0))
        channel = _room(incident)
        config = runtime.domain.config
        team_name = str(payload["team"])
        team = config.teams.get(team_name)
        if not done.get("invited"):
            targets = config.oncall if team_name == ONCALL else (team.members if team else [])
            users = await resolve_users(client, targets)
            await invite(client, channel, users)
            await ctx.checkpoint(invited=True)
        if team is not None and team.channel and not done.get("told"):
            tenant = config.tenant(incident.tenant_id)
            who = escape(tenant.name if tenant else incident.tenant_id or "")
            await client.chat_postMessage(
                channel=team.channel,
                text=(
                    f"Incident #{incident.number} ({who}, {escape(incident.signature_title)}) "
                    f"is now owned by *{escape(team_name)}*, set by <@{payload['user']}>. "
                    f"The team has been invited: {_link(incident)}"
                ),
            )
            await ctx.checkpoint(told=True)

    return {intake.ANNOUNCE: announce, intake.OWNER_CHANGED: owner_changed}
