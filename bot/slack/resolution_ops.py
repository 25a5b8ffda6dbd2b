"""Outbox handlers for resolve, review and learn: the channel notices, the review summary
for the owning team, archiving a reviewed channel, and the postmortem upload.

Each checkpoints right after the Slack call that made something, so a retry resumes
instead of posting twice. Slack's refusals (a channel the bot left, say) are logged and
skipped; Slack's trouble is raised for the worker to retry.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.errors import TemplateError
from bot.incidents.models import Incident
from bot.incidents.resolution import NOTICE, RESOLVED_NUDGE
from bot.incidents.review import REVIEW_SUMMARY, ROOM_ARCHIVE, incident_alert_groups
from bot.ingest.models import AlertRecord
from bot.outbox.worker import Handler, OpContext
from bot.reports import postmortem
from bot.slack.blocks.resolution import (
    archive_notice,
    group_review_summary,
    incident_review_summary,
    mitigated_message,
    resolved_message,
)
from bot.slack.errors import slack_error_code
from bot.slack.room import best_effort, slack_client
from bot.slack.text import escape

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


async def _incident(ctx: OpContext) -> Incident | None:
    if ctx.op.incident_id is None:
        return None
    return await ctx.session.get(Incident, ctx.op.incident_id, populate_existing=True)


def _tenant_name(runtime: Runtime, incident: Incident) -> str | None:
    tenant = runtime.domain.config.tenant(incident.tenant_id)
    return tenant.name if tenant else incident.tenant_id


async def notice(runtime: Runtime, ctx: OpContext) -> None:
    """Mitigated (with a Resolve button) or reviewed, in the incident channel."""
    incident = await _incident(ctx)
    if incident is None or not incident.channel_id or "posted" in ctx.progress:
        return
    event, user = ctx.payload.get("event"), str(ctx.payload.get("user") or "")
    note = str(ctx.payload.get("note") or "") or None
    if event == "mitigated":
        text, blocks = mitigated_message(incident, user, note)
    else:
        text, blocks = f":mag: Review saved by <@{user}>: {escape(note or '')}.", None
    answer = await best_effort(
        slack_client(runtime).chat_postMessage(
            channel=incident.channel_id, text=text, blocks=blocks
        ),
        f"post the {event} notice of incident {incident.id}",
    )
    await ctx.checkpoint(posted=answer is not None)


async def nudge(runtime: Runtime, ctx: OpContext) -> None:
    """After a resolve: what happened, whether the customer message waits, and the review."""
    incident = await _incident(ctx)
    if incident is None or not incident.channel_id or "posted" in ctx.progress:
        return
    text, blocks = resolved_message(
        incident,
        str(ctx.payload.get("user") or ""),
        str(ctx.payload.get("note") or "") or None,
        bool(ctx.payload.get("message_offered")),
    )
    answer = await best_effort(
        slack_client(runtime).chat_postMessage(
            channel=incident.channel_id, text=text, blocks=blocks
        ),
        f"nudge incident {incident.id} for its review",
    )
    await ctx.checkpoint(posted=answer is not None)


async def _notes(ctx: OpContext, incident_id: int) -> dict[tuple[str, str], str]:
    rows = await ctx.session.execute(
        select(AlertRecord.source, AlertRecord.alertname, AlertRecord.calibration_note).where(
            AlertRecord.incident_id == incident_id, AlertRecord.calibration_note.is_not(None)
        )
    )
    return {(s, a or ""): str(n) for s, a, n in rows.all()}


async def review_summary(runtime: Runtime, ctx: OpContext) -> None:
    """The owning team (else the triage channel) hears how the alerts did."""
    channel = ctx.payload.get("channel")
    if not channel or "posted" in ctx.progress:
        return
    if "group" in ctx.payload:
        group = ctx.payload["group"]
        text = group_review_summary(
            str(group.get("source") or ""),
            str(group.get("alertname") or ""),
            str(ctx.payload.get("verdict") or ""),
            ctx.payload.get("calibration"),
            int(ctx.payload.get("alerts") or 0),
            list(ctx.payload.get("tenants") or []),
            str(ctx.payload.get("user") or ""),
        )
    else:
        incident = await _incident(ctx)
        if incident is None:
            return
        groups = await incident_alert_groups(ctx.session, incident.id)
        text = incident_review_summary(
            incident, _tenant_name(runtime, incident), groups, await _notes(ctx, incident.id)
        )
    answer = await best_effort(
        slack_client(runtime).chat_postMessage(channel=str(channel), text=text),
        f"send a review summary to {channel}",
    )
    await ctx.checkpoint(posted=answer is not None)


async def archive(runtime: Runtime, ctx: OpContext) -> None:
    """A reviewed incident's channel: a last word, then archived."""
    incident = await _incident(ctx)
    if incident is None or not incident.channel_id:
        return
    client = slack_client(runtime)
    if "posted" not in ctx.progress:
        user, summary = ctx.payload.get("user"), ctx.payload.get("summary")
        said = f":mag: Review saved by <@{user}>: {escape(str(summary))}.\n" if user else ""
        answer = await best_effort(
            client.chat_postMessage(
                channel=incident.channel_id, text=said + archive_notice(incident)
            ),
            f"say goodbye in the channel of incident {incident.id}",
        )
        await ctx.checkpoint(posted=answer is not None)
    try:
        await client.conversations_archive(channel=incident.channel_id)
    except SlackApiError as exc:
        if slack_error_code(exc) != "already_archived":
            raise
    await ctx.checkpoint(archived=True)


async def upload_postmortem(runtime: Runtime, ctx: OpContext) -> None:
    """Render the postmortem now and upload it as a Markdown file to the incident channel."""
    incident = await _incident(ctx)
    if incident is None or "file" in ctx.progress:
        return
    if not incident.channel_id:
        raise RuntimeError(f"incident {incident.id} has no channel yet")  # retried
    now = ctx.clock.now()
    user = str(ctx.payload.get("user") or "")
    client = slack_client(runtime)
    try:
        markdown = await postmortem.render_postmortem(ctx.session, runtime.domain, incident.id, now)
    except TemplateError as exc:
        # The operator's template is broken: say so where the postmortem was asked for.
        await best_effort(
            client.chat_postMessage(
                channel=incident.channel_id,
                text=f"The postmortem could not be written: {escape(str(exc))}",
            ),
            f"report a postmortem template error for incident {incident.id}",
        )
        await ctx.checkpoint(file="template_error")
        return
    answer: Any = await client.files_upload_v2(
        channel=incident.channel_id,
        content=markdown,
        filename=postmortem.filename(incident.id, incident.tenant_id),
        title=f"Postmortem: incident #{incident.number}",
        initial_comment=f"The postmortem of incident #{incident.number}"
        + (f", as <@{user}> asked." if user else "."),
    )
    file = answer.get("file") or {}
    await ctx.checkpoint(file=str(file.get("id") or "uploaded"))


def handlers(runtime: Runtime) -> dict[str, Handler]:
    def bind(step: Any) -> Handler:
        async def run(ctx: OpContext) -> None:
            await step(runtime, ctx)

        return run

    return {
        NOTICE: bind(notice),
        RESOLVED_NUDGE: bind(nudge),
        REVIEW_SUMMARY: bind(review_summary),
        ROOM_ARCHIVE: bind(archive),
        postmortem.POSTMORTEM_UPLOAD: bind(upload_postmortem),
    }
