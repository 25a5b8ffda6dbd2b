"""What people do with customer messages in Slack: confirm impact, draft, edit. Approving,
rejecting and marking as sent are in bot/slack/notify_decisions.py.

Buttons ack first, then work in their own unit of work. Modal submissions do their (short)
work before acking, because a template error or a refusal is answered on the modal itself.
A refusal is audited, so the edge commits that entry before it explains the refusal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotAllowed, NotFound, TemplateError
from bot.features import Feature
from bot.incidents import service as incidents
from bot.incidents.models import Incident
from bot.notifications import queries, revisions, service
from bot.notifications.context import require_tenant
from bot.notifications.models import MessageKind, NotificationStatus
from bot.notifications.rules import EDITABLE
from bot.slack import ids
from bot.slack.blocks.notification import mentions
from bot.slack.blocks.notification_modals import (
    EDIT_TEXT_BLOCK,
    KIND_BLOCK,
    draft_modal,
    edit_modal,
    read_metadata,
    text_block_id,
)
from bot.slack.commands import CommandRouter
from bot.slack.notify_decisions import setup as decisions_setup
from bot.slack.notify_lookup import action_value, parse_draft_value, tell
from bot.slack.text import shorten

if TYPE_CHECKING:
    from bot.runtime import Runtime

ERROR_LIMIT = 1500  # what a modal shows under a field


async def incident_for(session: AsyncSession, body: dict[str, Any]) -> Incident:
    """A draft's button names its message, the header's its incident; the channel decides
    for anything else."""
    value = action_value(body)
    if ":" in value:
        notification = await queries.get(session, parse_draft_value(value)[0])
        return await incidents.get(session, notification.incident_id)
    if value.isdigit():
        return await incidents.get(session, int(value))
    channel = (body.get("channel") or {}).get("id")
    incident = await incidents.by_channel(session, str(channel)) if channel else None
    if incident is None:
        raise NotFound("This button is not tied to an incident crebot knows.")
    return incident


def typed_text(view: dict[str, Any], block_id: str | None = None) -> tuple[str, str]:
    """(block id, text) of the modal's text box (its block id changes with the kind)."""
    values = (view.get("state") or {}).get("values") or {}
    for bid, actions in values.items():
        if (block_id is None and bid.startswith("text_")) or bid == block_id:
            return bid, str((actions.get(ids.DRAFT_TEXT) or {}).get("value") or "")
    return block_id or text_block_id(MessageKind.UPDATE), ""


def _error(exc: Exception) -> str:
    return shorten(str(exc), ERROR_LIMIT)


def setup(app: AsyncApp, runtime: Runtime, router: CommandRouter) -> None:
    sessions = runtime.sessions

    async def draft_modal_for(
        session: AsyncSession, incident: Incident, kind: MessageKind | None
    ) -> View:
        tenant = await require_tenant(session, runtime.domain.config, incident)
        now = runtime.clock.now()
        if kind is None:
            sent = await queries.for_incident(session, incident.id, [NotificationStatus.DELIVERED])
            kind = service.default_kind(incident, bool(sent))
        text, error = None, None
        try:
            text = await service.preview(session, incident, kind, now, domain=runtime.domain)
        except TemplateError as exc:
            error = str(exc)
        return draft_modal(
            incident_id=incident.id,
            incident_number=incident.number,
            tenant_name=tenant.name,
            kind=kind,
            text=text,
            error=error,
            csams=tenant.csams,
            impact_confirmed=incident.impact_confirmed_at is not None,
        )

    @app.action(ids.CONFIRM_IMPACT)
    async def on_confirm_impact(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        user = body["user"]["id"]
        async with sessions() as session:
            incident = await incident_for(session, body)
            tenant = await require_tenant(session, runtime.domain.config, incident)
            requested = await service.confirm_impact(
                session, incident, user, runtime.clock.now(), domain=runtime.domain
            )
            await session.commit()
        runtime.wake_outbox()
        asked = f"; approval requested from {mentions(tenant.csams, 'the approvers')}"
        await tell(respond, "Customer impact confirmed" + (asked if requested else "."))

    @app.action(ids.DRAFT_UPDATE)
    async def on_draft_button(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        async with sessions() as session:
            incident = await incident_for(session, body)
            view = await draft_modal_for(session, incident, None)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(ids.DRAFT_KIND)
    async def on_kind_chosen(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        view = body["view"]
        action = (body.get("actions") or [{}])[0]
        kind = MessageKind((action.get("selected_option") or {}).get("value") or "update")
        async with sessions() as session:
            incident = await incidents.get(session, int(read_metadata(view)["incident"]))
            new = await draft_modal_for(session, incident, kind)
        await client.views_update(view_id=view["id"], hash=view.get("hash"), view=new)

    @app.view(ids.DRAFT_VIEW)
    async def on_draft_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        values = (view.get("state") or {}).get("values") or {}
        chosen = ((values.get(KIND_BLOCK) or {}).get(ids.DRAFT_KIND) or {}).get("selected_option")
        kind = MessageKind((chosen or {}).get("value") or "update")
        block_id, text = typed_text(view)
        async with sessions() as session:
            incident = await incidents.get(session, int(read_metadata(view)["incident"]))
            try:
                await service.draft(
                    session,
                    incident,
                    kind,
                    runtime.clock.now(),
                    domain=runtime.domain,
                    author=user,
                    text=text,
                )
            except (TemplateError, NotAllowed) as exc:
                await ack(response_action="errors", errors={block_id: _error(exc)})
                return
            await session.commit()
        await ack()
        runtime.wake_outbox()

    @app.action(ids.EDIT)
    async def on_edit(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        nid, _ = parse_draft_value(action_value(body))
        async with sessions() as session:
            notification = await queries.get(session, nid)
            if notification.status not in EDITABLE:
                state = notification.status.value.replace("_", " ")
                await tell(respond, f"This message is {state} and can no longer be edited.")
                return
            latest = await queries.latest(session, notification)
        view = edit_modal(
            notification_id=nid, revision=latest.revision, kind=notification.kind, text=latest.text
        )
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(ids.EDIT_VIEW)
    async def on_edit_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = read_metadata(view)
        _, text = typed_text(view, EDIT_TEXT_BLOCK)
        async with sessions() as session:
            try:
                await revisions.edit(
                    session,
                    int(meta["n"]),
                    text,
                    base_revision=int(meta["r"]),
                    user=body["user"]["id"],
                    now=runtime.clock.now(),
                    domain=runtime.domain,
                )
            except (TemplateError, NotAllowed) as exc:
                await ack(response_action="errors", errors={EDIT_TEXT_BLOCK: _error(exc)})
                return
            await session.commit()
        await ack()
        runtime.wake_outbox()

    decisions_setup(app, runtime)


def feature() -> Feature:
    from bot.slack.notify_delivery import handlers

    return Feature(name="notifications", slack=setup, outbox=handlers)
