"""Deciding on a customer message in Slack: Approve & send, Reject (with a reason), and Mark
as sent for a message the CSAMs relay.

Who may decide depends on user groups, read from Slack with no transaction open; the
decision itself is one unit of work. A refusal is audited, so it is committed too before
the person is told why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import NotAllowed, ValidationFailed
from bot.incidents import service as incidents
from bot.notifications import decisions, delivery, queries
from bot.notifications.context import TenantFacts, require_tenant
from bot.notifications.models import Notification
from bot.notifications.rules import Deciders
from bot.slack import ids
from bot.slack.blocks.notification_modals import REASON_BLOCK, read_metadata, reject_modal
from bot.slack.notify_lookup import action_value, deciders_for, parse_draft_value, tell
from bot.slack.text import date_token, shorten

if TYPE_CHECKING:
    from bot.runtime import Runtime


def setup(app: AsyncApp, runtime: Runtime) -> None:
    sessions = runtime.sessions

    async def who_decides(
        client: AsyncWebClient, notification_id: int, user: str
    ) -> tuple[Notification, TenantFacts, Deciders]:
        """Read first, then ask Slack about user groups with no transaction open."""
        async with sessions() as session:
            notification = await queries.get(session, notification_id)
            incident = await incidents.get(session, notification.incident_id)
            tenant = await require_tenant(session, runtime.domain.config, incident)
        return notification, tenant, await deciders_for(client, runtime, tenant, user)

    @app.action(ids.APPROVE)
    async def on_approve(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        user = body["user"]["id"]
        nid, revision = parse_draft_value(action_value(body))
        _, _, deciders = await who_decides(client, nid, user)
        async with sessions() as session:
            try:
                await decisions.approve(
                    session,
                    nid,
                    revision=revision,
                    user=user,
                    now=runtime.clock.now(),
                    deciders=deciders,
                )
            except NotAllowed as exc:
                await session.commit()  # the refusal's audit entry
                await tell(respond, str(exc))
                return
            await session.commit()
        runtime.wake_outbox()
        await tell(respond, f"You approved revision {revision}: crebot is sending it now.")

    @app.action(ids.REJECT)
    async def on_reject(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        user = body["user"]["id"]
        nid, revision = parse_draft_value(action_value(body))
        notification, _, deciders = await who_decides(client, nid, user)
        if not deciders.may_decide(user):
            await tell(respond, f"Only {deciders.describe()} may reject this message.")
            return
        view = reject_modal(notification_id=nid, revision=revision, kind=notification.kind)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(ids.REJECT_VIEW)
    async def on_reject_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        user = body["user"]["id"]
        meta = read_metadata(view)
        values = (view.get("state") or {}).get("values") or {}
        typed = (values.get(REASON_BLOCK) or {}).get(ids.REJECT_REASON) or {}
        _, _, deciders = await who_decides(client, int(meta["n"]), user)
        async with sessions() as session:
            try:
                await decisions.reject(
                    session,
                    int(meta["n"]),
                    revision=int(meta["r"]),
                    reason=str(typed.get("value") or ""),
                    user=user,
                    now=runtime.clock.now(),
                    deciders=deciders,
                )
            except (NotAllowed, ValidationFailed) as exc:
                await session.commit()  # a refusal's audit entry
                message = exc.message if isinstance(exc, ValidationFailed) else str(exc)
                await ack(response_action="errors", errors={REASON_BLOCK: shorten(message, 1500)})
                return
            await session.commit()
        await ack()
        runtime.wake_outbox()

    @app.action(ids.MARK_SENT)
    async def on_mark_sent(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        user = body["user"]["id"]
        now = runtime.clock.now()
        _, tenant, deciders = await who_decides(client, int(action_value(body)), user)
        async with sessions() as session:
            try:
                await delivery.mark_sent(
                    session,
                    int(action_value(body)),
                    user=user,
                    now=now,
                    deciders=deciders,
                    config=runtime.domain.config,
                )
            except NotAllowed as exc:
                await tell(respond, str(exc))
                return
            await session.commit()
        runtime.wake_outbox()
        await tell(respond, f"Recorded: you passed it on to {tenant.name} {date_token(now)}.")
