"""The Slack side of fired clock steps, as outbox handlers (the operation's key is
`clock:<step id>`, queued in the transaction that fired the step).

- reminder: a message in the incident channel with who is on call and the time left.
- escalation: invite the step's users (groups resolved to members) into the channel, post
  there mentioning them, and send each a direct message linking to it.
- update due: a nudge in the channel that a customer update is (nearly) due.

Each handler checks the incident when it runs, not when the step fired: nobody is reminded
of, or paged for, an incident acknowledged meanwhile. Progress is checkpointed after every
Slack call that made something, so a retry after a crash resumes where it stopped. If the
incident channel does not exist yet (the room is still opening), the work is queued again
a little later rather than failing: an escalation is never dropped for being early.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import CrebotError
from bot.incidents.firing import op_kind
from bot.incidents.models import ClockStep, Incident, StepKind
from bot.incidents.states import ACTIVE
from bot.incidents.timeline import EntryKind, add_entry
from bot.outbox.queue import enqueue
from bot.outbox.worker import Handler, OpContext
from bot.slack.blocks.clock import (
    IncidentLabel,
    Message,
    escalation_dm,
    escalation_message,
    reminder_message,
    update_due_message,
)
from bot.slack.members import invite, resolve_users

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

ROOM_WAIT_FIRST = 5.0  # seconds before looking for the channel again
ROOM_WAIT_MAX = 60.0


def handlers(runtime: Runtime) -> dict[str, Handler]:
    actions = ClockActions(runtime)
    return {
        op_kind(StepKind.REMINDER): actions.remind,
        op_kind(StepKind.ESCALATION): actions.escalate,
        op_kind(StepKind.UPDATE_DUE): actions.update_due,
    }


class ClockActions:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    @property
    def client(self) -> AsyncWebClient:
        if self.runtime.slack_client is None:
            raise CrebotError("Slack is not configured")
        return self.runtime.slack_client

    async def _load(self, ctx: OpContext) -> tuple[ClockStep, Incident] | None:
        """The step and its incident, or None when nothing is to be said any more: the
        incident is gone, closed, or linked to a platform incident whose clock drives it."""
        step = await ctx.session.get(ClockStep, int(ctx.payload["step_id"]))
        if step is None:
            return None
        incident = await ctx.session.get(Incident, step.incident_id)
        if incident is None or incident.status not in ACTIVE:
            return None
        if incident.platform_incident_id is not None:
            return None
        return step, incident

    def _label(self, incident: Incident) -> IncidentLabel:
        tenant = self.runtime.domain.config.tenant(incident.tenant_id)
        name = tenant.name if tenant else (incident.tenant_id or "all tenants")
        return IncidentLabel(incident.number, name, incident.signature_title, incident.channel_id)

    async def _room_not_ready(self, ctx: OpContext, incident: Incident) -> bool:
        """True (and the work queued again) while the incident channel does not exist."""
        if incident.channel_id:
            return False
        waits = int(ctx.payload.get("waits", 0)) + 1
        delay = min(ROOM_WAIT_MAX, ROOM_WAIT_FIRST * 2 ** (waits - 1))
        base = str(ctx.payload.get("base_key") or ctx.op.key)
        # Queued in this handler's transaction: it commits together with this op's end.
        await enqueue(
            ctx.session,
            ctx.op.kind,
            now=ctx.clock.now(),
            key=f"{base}:wait{waits}",
            incident_id=incident.id,
            payload={**ctx.payload, "waits": waits, "base_key": base},
            delay=timedelta(seconds=delay),
        )
        log.info("incident %s has no channel yet: %s again in %ss", incident.id, ctx.op.kind, delay)
        return True

    async def _post(self, ctx: OpContext, channel: str, message: Message, key: str) -> str:
        """Post once: the ts is checkpointed, so a retry does not post it again."""
        done = ctx.progress.get(key)
        if done:
            return str(done)
        text, blocks = message
        answer = await self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        ts = str(answer["ts"])
        await ctx.checkpoint(**{key: ts})
        return ts

    # reminders --------------------------------------------------------------------------
    async def remind(self, ctx: OpContext) -> None:
        loaded = await self._load(ctx)
        if loaded is None:
            return
        step, incident = loaded
        if incident.acknowledged_at is not None:
            return  # acknowledged since the reminder fired: nothing to remind of
        if ctx.clock.now() >= incident.response_deadline and "ts" not in ctx.progress:
            return  # held up past the deadline (Slack was down): the escalation says more
        if await self._room_not_ready(ctx, incident):
            return
        assert incident.channel_id is not None
        message = reminder_message(
            self._label(incident),
            incident.response_deadline,
            ctx.clock.now(),
            self.runtime.domain.config.oncall,
            step.step_index + 1,
        )
        await self._post(ctx, incident.channel_id, message, "ts")

    # escalations ------------------------------------------------------------------------
    async def escalate(self, ctx: OpContext) -> None:
        loaded = await self._load(ctx)
        if loaded is None:
            return
        step, incident = loaded
        progress = ctx.progress
        if incident.acknowledged_at is not None and "posted" not in progress:
            self._withdraw(ctx, step, incident)
            return
        if await self._room_not_ready(ctx, incident):
            return
        channel = incident.channel_id
        assert channel is not None
        client = self.client
        users: list[str] | None = progress.get("users")
        if users is None:
            users = await resolve_users(client, step.targets or [])
            await ctx.checkpoint(users=users)
        if "invited" not in progress:
            result = await invite(client, channel, users)
            await ctx.checkpoint(
                invited=result.invited, already=result.already, failed=result.failed
            )
        failed: dict[str, str] = dict(ctx.progress.get("failed") or {})
        now = ctx.clock.now()
        label = self._label(incident)
        of = int((step.data or {}).get("of") or step.step_index + 1)
        shown = users or list(step.targets or [])
        posted = await self._post(
            ctx,
            channel,
            escalation_message(
                label, incident.response_deadline, now, shown, step.step_index + 1, of
            ),
            "posted",
        )
        permalink = ctx.progress.get("permalink")
        if permalink is None:
            permalink = await self._permalink(channel, posted)
            await ctx.checkpoint(permalink=permalink)
        dm = escalation_dm(label, incident.response_deadline, now, permalink or None)
        dms: list[str] = list(ctx.progress.get("dms") or [])
        dm_failed: dict[str, str] = dict(ctx.progress.get("dm_failed") or {})
        for user in users:
            if user in dms or user in dm_failed or user in failed:
                continue
            error = await self._direct_message(user, dm)
            if error is None:
                dms.append(user)
                await ctx.checkpoint(dms=dms)
            else:
                dm_failed[user] = error
                await ctx.checkpoint(dm_failed=dm_failed)
        step.data = {**(step.data or {}), "paged": users, "dm": dms}
        if failed or dm_failed:
            step.data = {**step.data, "failed": {**failed, **dm_failed}}
        add_entry(
            ctx.session,
            incident.id,
            at=now,
            kind=EntryKind.ESCALATION,
            text=f"Escalation step {step.step_index + 1}: paged "
            + (", ".join(f"<@{u}>" for u in users) or "nobody (no members found)"),
            step_id=step.id,
            paged=users,
            failed={**failed, **dm_failed},
        )

    def _withdraw(self, ctx: OpContext, step: ClockStep, incident: Incident) -> None:
        """The step fired, but the incident was acknowledged before anyone was paged."""
        assert incident.acknowledged_at is not None
        step.data = {**(step.data or {}), "withdrawn": incident.acknowledged_at.isoformat()}
        add_entry(
            ctx.session,
            incident.id,
            at=ctx.clock.now(),
            kind=EntryKind.ESCALATION,
            text=f"Escalation step {step.step_index + 1} withdrawn: the incident was "
            "acknowledged before anyone was paged",
            step_id=step.id,
            withdrawn=True,
        )

    async def _permalink(self, channel: str, ts: str) -> str:
        try:
            answer = await self.client.chat_getPermalink(channel=channel, message_ts=ts)
        except SlackApiError as exc:
            if _transient(exc):
                raise
            return ""  # the DM still names the channel
        return str(answer.get("permalink") or "")

    async def _direct_message(self, user: str, message: Message) -> str | None:
        """DM one person; a refusal for that person (deleted, a bot) is returned, not raised,
        so one bad id does not keep the others from being paged."""
        text, blocks = message
        try:
            opened = await self.client.conversations_open(users=user)
            im = str(opened["channel"]["id"])
            await self.client.chat_postMessage(channel=im, text=text, blocks=blocks)
        except SlackApiError as exc:
            if _transient(exc):
                raise
            error = str(exc.response.get("error") or "error")
            log.warning("cannot DM %s about an escalation: %s", user, error)
            return error
        return None

    # customer updates -------------------------------------------------------------------
    async def update_due(self, ctx: OpContext) -> None:
        loaded = await self._load(ctx)
        if loaded is None:
            return
        step, incident = loaded
        if await self._room_not_ready(ctx, incident):
            return
        assert incident.channel_id is not None
        data: dict[str, Any] = step.data or {}
        due = datetime.fromisoformat(str(data.get("update_due_at") or step.due_at.isoformat()))
        who = [incident.acknowledged_by] if incident.acknowledged_by else []
        who = who or list(self.runtime.domain.config.oncall)
        message = update_due_message(
            self._label(incident), due, ctx.clock.now(), str(data.get("phase") or "due"), who
        )
        await self._post(ctx, incident.channel_id, message, "ts")


def _transient(exc: SlackApiError) -> bool:
    status = exc.response.status_code
    return status == 429 or status >= 500
