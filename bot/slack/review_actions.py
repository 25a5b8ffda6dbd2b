"""The alert review in Slack: the review modal of a resolved incident, the review of
untenanted/non-key/unclassified alert groups, and `/cre review` listing what is left.

Modals open right after ack() (a trigger_id lasts 3 seconds); a submission is validated
and saved before it is acknowledged, so a problem shows in the modal next to the input.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import CrebotError
from bot.incidents import review
from bot.incidents import service as incidents
from bot.incidents.alert_groups import Calibration, GroupKey, GroupVerdict
from bot.incidents.states import IncidentStatus
from bot.ingest.models import Verdict
from bot.slack import ids, incident_ref
from bot.slack.blocks.review import (
    REST,
    group_review_modal,
    group_token,
    incident_review_modal,
    review_list,
    review_list_text,
)
from bot.slack.commands import CommandCall, CommandRouter

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def _state(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict((view.get("state") or {}).get("values") or {})


def _selected(values: dict[str, dict[str, Any]], block: str, action: str) -> str | None:
    entry = (values.get(block) or {}).get(action) or {}
    option = entry.get("selected_option") or {}
    return str(option["value"]) if option.get("value") else None


def _text(values: dict[str, dict[str, Any]], block: str, action: str) -> str | None:
    value = ((values.get(block) or {}).get(action) or {}).get("value")
    return str(value).strip() or None if value else None


def _verdict_for(
    values: dict[str, dict[str, Any]], token: str, key: GroupKey
) -> GroupVerdict | None:
    chosen = _selected(values, f"verdict:{token}", ids.REVIEW_VERDICT)
    if chosen is None:
        return None
    reason = _selected(values, f"calibration:{token}", ids.REVIEW_CALIBRATION)
    return GroupVerdict(
        key=key,
        verdict=Verdict(chosen),
        reason=Calibration(reason) if reason else None,
        note=_text(values, f"note:{token}", ids.REVIEW_GROUP_NOTE),
    )


async def open_incident_review(
    runtime: Runtime, client: AsyncWebClient, trigger_id: str, incident_id: int
) -> None:
    async with runtime.sessions() as session:
        incident = await incidents.get(session, incident_id)
        if incident.status != IncidentStatus.RESOLVED:
            raise CrebotError(
                f"Incident #{incident.number} is {incident.status.value}: the review comes "
                "once it is resolved."
            )
        groups = await review.incident_alert_groups(session, incident.id)
        view = incident_review_modal(incident, groups)
    await client.views_open(trigger_id=trigger_id, view=view)


async def save_incident_review(
    runtime: Runtime, user: str, view: dict[str, Any]
) -> dict[str, str] | None:
    """Save the review; returns modal errors (block id -> message) or None when saved."""
    values = _state(view)
    incident_id = int(json.loads(view.get("private_metadata") or "{}").get("incident", 0))
    async with runtime.sessions() as session:
        incident = await incidents.get(session, incident_id)
        await session.refresh(incident, with_for_update=True)  # one review at a time
        groups = await review.incident_alert_groups(session, incident.id)
        rest = _verdict_for(values, REST, GroupKey("", ""))
        verdicts: list[GroupVerdict] = []
        for group in groups:
            given = _verdict_for(values, group_token(group.key), group.key)
            if given is None and rest is not None:
                given = GroupVerdict(group.key, rest.verdict, rest.reason, rest.note)
            if given is not None:
                verdicts.append(given)
        note = _text(values, "review_note", ids.REVIEW_NOTE)
        try:
            await review.review_incident(
                session,
                runtime.domain.config,
                incident,
                user=user,
                now=runtime.clock.now(),
                verdicts=verdicts,
                note=note,
            )
        except CrebotError as exc:
            # A new alert group since the modal opened, or a review someone else saved:
            # shown beside the first verdict of the modal (or its note, without alerts).
            return {_first_input(view): str(exc)[:300]}
        await session.commit()
    runtime.wake_outbox()
    return None


def _first_input(view: dict[str, Any]) -> str:
    for block in view.get("blocks") or []:
        if str(block.get("block_id", "")).startswith("verdict:"):
            return str(block["block_id"])
    return "review_note"


async def open_group_review(
    runtime: Runtime, client: AsyncWebClient, trigger_id: str, key: GroupKey
) -> None:
    async with runtime.sessions() as session:
        groups = {g.key: g for g in await review.unreviewed_triage_groups(session)}
    group = groups.get(key)
    if group is None:
        raise CrebotError(f"Every alert of {key.label} is reviewed already.")
    await client.views_open(trigger_id=trigger_id, view=group_review_modal(group))


async def save_group_review(
    runtime: Runtime, user: str, view: dict[str, Any]
) -> dict[str, str] | None:
    meta = json.loads(view.get("private_metadata") or "{}")
    key = GroupKey(str(meta.get("source") or ""), str(meta.get("alertname") or ""))
    verdict = _verdict_for(_state(view), "group", key)
    if verdict is None:
        return {"verdict:group": "Choose true or false positive."}
    async with runtime.sessions() as session:
        try:
            await review.review_alert_group(
                session,
                runtime.domain.config,
                runtime.domain.playbooks,
                verdict,
                user=user,
                now=runtime.clock.now(),
            )
        except CrebotError as exc:
            return {"verdict:group": str(exc)[:150]}
        await session.commit()
    runtime.wake_outbox()
    return None


async def list_unreviewed(runtime: Runtime, call: CommandCall) -> None:
    async with runtime.sessions() as session:
        waiting = await review.unreviewed_incidents(session)
        groups = await review.unreviewed_triage_groups(session)
    alerts = sum(g.unreviewed for g in groups)
    await call.reply(
        review_list_text(len(waiting), alerts, len(groups)), review_list(waiting, groups)
    )


def setup(app: AsyncApp, runtime: Runtime, router: CommandRouter) -> None:
    async def on_review_open(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        async with runtime.sessions() as session:
            incident = await incident_ref.for_action(session, body)
        await open_incident_review(runtime, client, str(body.get("trigger_id")), incident.id)

    async def on_group_open(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        action = (body.get("actions") or [{}])[0]
        value = json.loads(action.get("value") or "{}")
        key = GroupKey(str(value.get("source") or ""), str(value.get("alertname") or ""))
        await open_group_review(runtime, client, str(body.get("trigger_id")), key)

    async def on_review_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        errors = await save_incident_review(runtime, str(body["user"]["id"]), view)
        if errors:
            await ack(response_action="errors", errors=errors)
        else:
            await ack()

    async def on_group_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        errors = await save_group_review(runtime, str(body["user"]["id"]), view)
        if errors:
            await ack(response_action="errors", errors=errors)
        else:
            await ack()

    async def review_command(call: CommandCall) -> None:
        """In the channel of a resolved incident (or with `#12`): its review. Elsewhere:
        what is still to review."""
        async with runtime.sessions() as session:
            try:
                incident = await incident_ref.in_channel(
                    session, call.channel_id, call.args, command="review"
                )
            except CrebotError:
                incident = None
            ready = incident is not None and incident.status == IncidentStatus.RESOLVED
            named = incident_ref.incident_number(call.args.split()[0]) if call.args else None
        if incident is not None and (ready or named is not None):
            await open_incident_review(runtime, call.client, call.trigger_id, incident.id)
            return
        await list_unreviewed(runtime, call)

    app.action(ids.REVIEW_OPEN)(on_review_open)
    app.action(ids.REVIEW_GROUP_OPEN)(on_group_open)
    app.view(ids.REVIEW_VIEW)(on_review_submit)
    app.view(ids.GROUP_REVIEW_VIEW)(on_group_submit)
    router.add("review", review_command)
