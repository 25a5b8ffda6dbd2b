"""What responders do in an incident channel: acknowledge, note, pin messages to the timeline.

Listeners ack Slack first, then work. Each opens its own unit of work and commits it;
Slack calls (resolving user groups, reading a message) happen outside any transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.config.domain import AckRole
from bot.incidents import service
from bot.incidents.models import Incident, TimelineEntry
from bot.incidents.permissions import describe, may_acknowledge, role_targets
from bot.incidents.timeline import EntryKind, add_entry
from bot.slack import ids
from bot.slack.blocks.fit import user_ref
from bot.slack.commands import CommandCall, CommandRouter
from bot.slack.roster import roster
from bot.slack.text import date_token

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

PIN_REACTION = "pushpin"
NOTE_LIMIT = 4000
FALSE_POSITIVE_WORDS = frozenset({"fp", "false-positive", "false_positive", "falsepositive"})
NOT_IN_ROOM = "Run `/cre {what}` in the incident's channel (`/cre list` shows them all)."


@dataclass(frozen=True)
class AckSubject:
    """What the permission check needs, read before any Slack call."""

    incident_id: int
    number: int
    tenant_id: str | None
    owner_team: str | None
    signature_id: str


async def allowed(
    runtime: Runtime, client: AsyncWebClient, subject: AckSubject, user_id: str
) -> tuple[bool, list[AckRole]]:
    """May `user_id` acknowledge? Groups resolve through Slack; a refusal re-reads them once,
    so someone just added to the on-call group is not turned away by a cached answer."""
    config = runtime.domain.config
    roles = list(config.permissions.acknowledge)
    if AckRole.ANYONE in roles:
        return True, roles
    targets = role_targets(
        config,
        tenant_id=subject.tenant_id,
        owner_team=subject.owner_team,
        signature_id=subject.signature_id,
        roles=roles,
    )
    for fresh in (False, True):
        members = {
            role: await roster(runtime).users(client, ids_, fresh=fresh)
            for role, ids_ in targets.items()
        }
        if may_acknowledge(user_id, roles, members):
            return True, roles
    return False, roles


def subject_of(incident: Incident) -> AckSubject:
    return AckSubject(
        incident.id, incident.number, incident.tenant_id, incident.owner_team, incident.signature_id
    )


def already_text(incident: Incident) -> str:
    when = date_token(incident.acknowledged_at) if incident.acknowledged_at else ""
    return (
        f"Incident #{incident.number} was already acknowledged by "
        f"{user_ref(incident.acknowledged_by)} {when}."
    )


async def acknowledge(
    runtime: Runtime,
    client: AsyncWebClient,
    *,
    user_id: str,
    incident_id: int | None = None,
    channel_id: str | None = None,
    false_positive: bool = False,
) -> str:
    """Acknowledge for `user_id` if they may; returns what to tell them (ephemerally)."""
    async with runtime.sessions() as session:
        if incident_id is not None:
            incident = await session.get(Incident, incident_id)
        else:
            incident = await service.by_channel(session, channel_id or "")
        if incident is None:
            return NOT_IN_ROOM.format(what="ack")
        if incident.acknowledged_at is not None:
            return already_text(incident)
        if false_positive and not incident.all_alerts_resolved:
            return (
                f"Incident #{incident.number} still has firing alerts, so it cannot be "
                "acknowledged as a false positive. Acknowledge it with `/cre ack`."
            )
        subject = subject_of(incident)
    ok, roles = await allowed(runtime, client, subject, user_id)
    if not ok:
        log.info("refused acknowledgement of incident %s by %s", subject.incident_id, user_id)
        return (
            f"You can't acknowledge incident #{subject.number}: only "
            f"{describe(roles, subject.owner_team)} may (crebot.yaml, "
            "`permissions.acknowledge`). Ask one of them, or page the on-call."
        )
    async with runtime.sessions() as session:
        # FOR UPDATE on PostgreSQL: two people clicking at once acknowledge once.
        incident = await session.get(Incident, subject.incident_id, with_for_update=True)
        if incident is None:
            return NOT_IN_ROOM.format(what="ack")
        now = runtime.clock.now()
        done = await service.acknowledge(
            session, incident, user=user_id, now=now, false_positive=false_positive
        )
        await session.commit()
        if not done:
            return already_text(incident)
    runtime.wake_outbox()
    verdict = " as a false positive" if false_positive else ""
    return (
        f"You acknowledged incident #{subject.number}{verdict}; "
        "its response clock is stopped and the header is being updated."
    )


async def note(runtime: Runtime, *, user_id: str, channel_id: str, text: str) -> str:
    text = text.strip()
    if not text:
        return "Write the note after the command: `/cre note &lt;what happened&gt;`."
    async with runtime.sessions() as session:
        incident = await service.by_channel(session, channel_id)
        if incident is None:
            return NOT_IN_ROOM.format(what="note")
        add_entry(
            session,
            incident.id,
            at=runtime.clock.now(),
            kind=EntryKind.NOTE,
            text=text[:NOTE_LIMIT],
            actor=user_id,
        )
        number = incident.number
        await session.commit()
    return f"Added to the timeline of incident #{number}."


async def message_text(client: AsyncWebClient, channel: str, ts: str) -> tuple[str, str | None]:
    """The text of one message and its permalink (replies finds it in or out of a thread)."""
    text = ""
    try:
        answer = await client.conversations_replies(channel=channel, ts=ts, limit=1)
        found = [m for m in answer.get("messages") or [] if m.get("ts") == ts]
        text = str(found[0].get("text") or "") if found else ""
    except SlackApiError as exc:
        code = exc.response.get("error")
        log.warning("cannot read pinned message %s in %s: %s", ts, channel, code)
    link: str | None = None
    try:
        link = str((await client.chat_getPermalink(channel=channel, message_ts=ts))["permalink"])
    except SlackApiError:
        pass
    return text, link


async def pin_to_timeline(
    runtime: Runtime, client: AsyncWebClient, event: dict[str, Any]
) -> TimelineEntry | None:
    """A :pushpin: on a message in an incident channel puts it on the timeline, once."""
    item = event.get("item") or {}
    channel, ts, user = item.get("channel"), item.get("ts"), event.get("user")
    if event.get("reaction") != PIN_REACTION or item.get("type") != "message":
        return None
    if not channel or not ts or not user:
        return None
    async with runtime.sessions() as session:
        incident = await service.by_channel(session, str(channel))
        if incident is None or await _pinned(session, incident.id, str(ts)):
            return None
        incident_id = incident.id
    text, link = await message_text(client, str(channel), str(ts))
    async with runtime.sessions() as session:
        # Lock the incident (PostgreSQL) so two pins of one message queue up here and the
        # second sees the first; the unique (incident, source_ref) constraint backs this up.
        await session.get(Incident, incident_id, with_for_update=True)
        if await _pinned(session, incident_id, str(ts)):
            return None
        entry = add_entry(
            session,
            incident_id,
            at=runtime.clock.now(),
            kind=EntryKind.PINNED,
            text=(text or "(a message crebot could not read)")[:NOTE_LIMIT],
            actor=str(user),
            source_ref=str(ts),
            permalink=link,
            author=event.get("item_user"),
        )
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()  # someone else's pushpin on the same message won
            return None
    return entry


async def _pinned(session: Any, incident_id: int, ts: str) -> bool:
    found = await session.scalar(
        select(TimelineEntry.id)
        .where(TimelineEntry.incident_id == incident_id, TimelineEntry.source_ref == ts)
        .limit(1)
    )
    return found is not None


def setup(app: AsyncApp, runtime: Runtime, router: CommandRouter) -> None:
    async def reply(respond: AsyncRespond, text: str) -> None:
        await respond(text=text, response_type="ephemeral", replace_original=False)

    async def on_ack_button(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        action = (body.get("actions") or [{}])[0]
        false_positive = action.get("action_id") == ids.ACK_FALSE_POSITIVE
        try:
            incident_id = int(action.get("value") or "")
        except ValueError:
            return
        user_id = str((body.get("user") or {}).get("id") or "")
        text = await acknowledge(
            runtime, client, user_id=user_id, incident_id=incident_id, false_positive=false_positive
        )
        await reply(respond, text)

    async def ack_command(call: CommandCall) -> None:
        words = call.args.lower().split()
        text = await acknowledge(
            runtime,
            call.client,
            user_id=call.user_id,
            channel_id=call.channel_id,
            false_positive=bool(words) and words[0] in FALSE_POSITIVE_WORDS,
        )
        await call.reply(text)

    async def note_command(call: CommandCall) -> None:
        text = await note(runtime, user_id=call.user_id, channel_id=call.channel_id, text=call.args)
        await call.reply(text)

    async def on_reaction(event: dict[str, Any], client: AsyncWebClient) -> None:
        await pin_to_timeline(runtime, client, event)

    app.action(ids.ACK)(on_ack_button)
    app.action(ids.ACK_FALSE_POSITIVE)(on_ack_button)
    app.event("reaction_added")(on_reaction)
    router.add("ack", ack_command)
    router.add("note", note_command)
