"""Mitigate and resolve from Slack: the header's buttons and `/cre mitigate`, `/cre resolve`.

Both work in the incident's own channel only (a private channel naming the customer, so
being in it is the permission); the domain's lifecycle table refuses a move it does not
allow (resolving what nobody acknowledged, say) with a message shown to the clicker.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features import Feature
from bot.http.reports import router as reports_router
from bot.incidents import resolution
from bot.incidents.models import Incident
from bot.slack import ids, incident_ref
from bot.slack.commands import CommandCall, CommandRouter

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

NOTE_LIMIT = 2000


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or body.get("user_id") or "")


async def _locked(
    session: AsyncSession, command: str, body: dict[str, Any] | None, call: CommandCall | None
) -> tuple[Incident, str]:
    """The incident a button or a command in its channel names, locked, and the note typed.

    Locked so that two people clicking at once are serialised: the second waits, then finds
    the work done already."""
    if call is not None:
        incident = await incident_ref.in_channel(session, call.channel_id, command=command)
        note = call.args[:NOTE_LIMIT]
    else:
        incident = await incident_ref.for_action(session, body or {})
        note = ""
    await session.refresh(incident, with_for_update=True)
    return incident, note


async def mitigate(
    runtime: Runtime,
    *,
    user: str,
    body: dict[str, Any] | None = None,
    call: CommandCall | None = None,
) -> str:
    async with runtime.sessions() as session:
        incident, note = await _locked(session, "mitigate", body, call)
        await resolution.mitigate(session, incident, user=user, now=runtime.clock.now(), note=note)
        number = incident.number
        await session.commit()
    runtime.wake_outbox()
    return f"Incident #{number} is mitigated. Resolve it once the cause is fixed for good."


async def resolve(
    runtime: Runtime,
    *,
    user: str,
    body: dict[str, Any] | None = None,
    call: CommandCall | None = None,
) -> str:
    async with runtime.sessions() as session:
        incident, note = await _locked(session, "resolve", body, call)
        done = await resolution.resolve(
            session, runtime.domain, incident, user=user, now=runtime.clock.now(), note=note
        )
        number = incident.number
        await session.commit()
    runtime.wake_outbox()
    offered = " The resolved customer message waits for approval." if done.message_offered else ""
    return f"Incident #{number} is resolved.{offered} Next: `{ids.COMMAND} review`."


def setup(app: AsyncApp, runtime: Runtime, router: CommandRouter) -> None:
    async def reply(respond: AsyncRespond, text: str) -> None:
        await respond(text=text, response_type="ephemeral", replace_original=False)

    async def on_mitigate(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await reply(respond, await mitigate(runtime, user=_user(body), body=body))

    async def on_resolve(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await reply(respond, await resolve(runtime, user=_user(body), body=body))

    async def mitigate_command(call: CommandCall) -> None:
        await call.reply(await mitigate(runtime, user=call.user_id, call=call))

    async def resolve_command(call: CommandCall) -> None:
        await call.reply(await resolve(runtime, user=call.user_id, call=call))

    app.action(ids.MITIGATE)(on_mitigate)
    app.action(ids.RESOLVE)(on_resolve)
    router.add("mitigate", mitigate_command)
    router.add("resolve", resolve_command)


def setup_listeners(app: AsyncApp, runtime: Runtime, router: CommandRouter) -> None:
    from bot.slack import postmortem_actions, review_actions

    setup(app, runtime, router)
    review_actions.setup(app, runtime, router)
    postmortem_actions.setup(app, runtime, router)


def feature() -> Feature:
    """Resolve, review and learn: mitigate/resolve, the alert review, action items, the
    postmortem, the reliability report (Slack, API, /metrics)."""
    from bot.reports.collector import install
    from bot.slack.resolution_ops import handlers

    return Feature(
        "resolution",
        routers=(reports_router,),
        slack=setup_listeners,
        outbox=handlers,
        on_start=(install,),
    )
