"""Learning from an incident in Slack: `/cre postmortem`, action items (`/cre action` or a
modal) and `/cre report`, the reliability report in short."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.config.domain import parse_duration
from bot.errors import CrebotError, ValidationFailed
from bot.incidents import action_items
from bot.incidents import service as incidents
from bot.incidents.action_items import ParsedItem, describe_owner
from bot.reports import postmortem
from bot.reports.report import Period, generate
from bot.slack import ids, incident_ref
from bot.slack.blocks.report import report_blocks, report_text
from bot.slack.blocks.resolution import action_item_modal
from bot.slack.commands import CommandCall, CommandRouter
from bot.slack.text import escape

if TYPE_CHECKING:
    from bot.runtime import Runtime

DEFAULT_PERIOD = timedelta(days=30)
_TENANT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


async def request_postmortem(
    runtime: Runtime,
    *,
    user: str,
    channel_id: str,
    args: str = "",
    body: dict[str, Any] | None = None,
) -> str:
    async with runtime.sessions() as session:
        if body is not None:
            incident = await incident_ref.for_action(session, body)
        else:
            incident = await incident_ref.in_channel(
                session, channel_id, args, command="postmortem"
            )
        await postmortem.request_upload(session, incident, user=user, now=runtime.clock.now())
        number, channel = incident.number, incident.channel_id
        await session.commit()
    runtime.wake_outbox()
    return (
        f"Writing the postmortem of incident #{number}: it arrives in <#{channel}> as a "
        f"Markdown file (also at `GET /api/incidents/{number}/postmortem`)."
    )


def added_text(number: int, item: ParsedItem, user: str) -> str:
    owner = f", owner {describe_owner(item.owner)}" if item.owner else ", no owner yet"
    due = f", due {item.due.isoformat()}" if item.due else ""
    return f"<@{user}> added an action item to #{number}: {escape(item.text)}{owner}{due}."


async def add_action_item(
    runtime: Runtime, *, user: str, incident_id: int | None, channel_id: str, item: ParsedItem
) -> str:
    async with runtime.sessions() as session:
        if incident_id is not None:
            incident = await incidents.get(session, incident_id)
        else:
            incident = await incident_ref.in_channel(session, channel_id, command="action")
        await action_items.add(session, incident, item, user=user, now=runtime.clock.now())
        await incidents.refresh_header(session, incident, runtime.clock.now())
        number = incident.number
        await session.commit()
    runtime.wake_outbox()
    return added_text(number, item, user)


def report_args(args: str) -> tuple[timedelta, str | None]:
    """`[30d] [tenant]`, in any order."""
    length, tenant = DEFAULT_PERIOD, None
    for word in args.split():
        try:
            length = parse_duration(word)
            continue
        except ValueError:
            pass
        if not _TENANT.match(word):
            raise ValidationFailed(f"`{escape(word)}` is neither a period (30d) nor a tenant id")
        tenant = word
    return length, tenant


def setup(app: AsyncApp, runtime: Runtime, router: CommandRouter) -> None:
    async def postmortem_command(call: CommandCall) -> None:
        text = await request_postmortem(
            runtime, user=call.user_id, channel_id=call.channel_id, args=call.args
        )
        await call.reply(text)

    async def on_postmortem_button(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        user = str((body.get("user") or {}).get("id") or "")
        text = await request_postmortem(runtime, user=user, channel_id="", body=body)
        await respond(text=text, response_type="ephemeral", replace_original=False)

    async def action_command(call: CommandCall) -> None:
        if not call.args.strip():
            async with runtime.sessions() as session:
                incident = await incident_ref.in_channel(session, call.channel_id, command="action")
            await call.client.views_open(
                trigger_id=call.trigger_id, view=action_item_modal(incident.id)
            )
            return
        today = runtime.clock.now().date()
        item = action_items.parse_command(call.args, today)
        text = await add_action_item(
            runtime, user=call.user_id, incident_id=None, channel_id=call.channel_id, item=item
        )
        # In the channel, not only to the author: action items are the team's to see.
        await call.respond(text=text, response_type="in_channel", replace_original=False)

    async def on_action_submit(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        values = (view.get("state") or {}).get("values") or {}
        text = str(((values.get("text") or {}).get(ids.ACTION_TEXT) or {}).get("value") or "")
        owner = ((values.get("owner") or {}).get(ids.ACTION_OWNER) or {}).get("selected_user")
        due = ((values.get("due") or {}).get(ids.ACTION_DUE) or {}).get("selected_date")
        if not text.strip():
            await ack(response_action="errors", errors={"text": "Say what should change."})
            return
        incident_id = int(json.loads(view.get("private_metadata") or "{}").get("incident", 0))
        item = ParsedItem(
            text.strip()[: action_items.TEXT_LIMIT],
            str(owner) if owner else None,
            date.fromisoformat(due) if due else None,
        )
        user = str(body["user"]["id"])
        try:
            message = await add_action_item(
                runtime, user=user, incident_id=incident_id, channel_id="", item=item
            )
        except CrebotError as exc:
            await ack(response_action="errors", errors={"text": str(exc)[:300]})
            return
        await ack()
        async with runtime.sessions() as session:
            channel = (await incidents.get(session, incident_id)).channel_id
        if channel:
            await client.chat_postMessage(channel=channel, text=message)

    async def report_command(call: CommandCall) -> None:
        length, tenant = report_args(call.args)
        now = runtime.clock.now()
        async with runtime.sessions() as session:
            report = await generate(session, Period.ending(now, length), now, tenant)
        await call.reply(report_text(report), report_blocks(report))

    router.add("postmortem", postmortem_command)
    router.add("action", action_command)
    router.add("report", report_command)
    app.action(ids.POSTMORTEM)(on_postmortem_button)
    app.view(ids.ACTION_ITEM_VIEW)(on_action_submit)
