"""The intake's Slack listeners: three ways in, redraws while it is open, and the submission.

Ways in, each opening the modal with the request's trigger_id right after `ack()` (a
trigger expires after 3 seconds):
- the header's "Start intake" button, for an incident (prefilled from its saved intake, or
  from its alerts and playbook);
- `/cre declare [free text]`, anywhere, for a customer-reported issue;
- the "Declare CRE incident" message shortcut, whose description is the message's text and
  permalink (fetched after the modal is open, then shown with views.update).

A submission is checked inside Slack's 3 seconds: problems come back on the fields they
concern (`response_action: errors`); a valid one is queued in the outbox in one durable
insert and the modal closes. Opening incidents and every Slack call happen after that,
in the outbox (bot/intake/submit.py, bot/slack/intake_ops.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import unit_of_work
from bot.features import Feature
from bot.incidents import service as incidents
from bot.intake import form as F
from bot.intake import prefill, submit
from bot.intake.form import IntakeForm, form_from_fields
from bot.intake.submit import Mode
from bot.intake.validation import IntakeInvalid, validate
from bot.slack import ids
from bot.slack.commands import CommandCall, CommandRouter
from bot.slack.intake_modal import Choices, intake_modal, tenant_options
from bot.slack.intake_ops import handlers as slack_handlers
from bot.slack.intake_state import Meta, error_blocks, field_name, read_view
from bot.slack.text import escape

if TYPE_CHECKING:
    from bot.outbox.worker import Handler
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

DISPATCHING = (ids.INTAKE_TENANT, ids.INTAKE_SYMPTOM, ids.INTAKE_SIGNATURE, ids.INTAKE_SCOPE)
NO_TENANTS = "There are no key tenants in crebot.yaml, so there is nobody to declare for."


def _permalink_fallback(body: dict[str, Any], channel: str, ts: str) -> str | None:
    # The documented shape of a message link, for when chat.getPermalink cannot see it.
    domain = (body.get("team") or {}).get("domain")
    return (
        f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}" if domain else None
    )


async def _permalink(
    client: AsyncWebClient, body: dict[str, Any], channel: str, ts: str
) -> str | None:
    try:
        answer = await client.chat_getPermalink(channel=channel, message_ts=ts)
        return str(answer["permalink"])
    except SlackApiError as exc:
        log.info("no permalink for %s/%s: %s", channel, ts, exc.response.get("error"))
        return _permalink_fallback(body, channel, ts)


def _about_of(view: dict[str, Any]) -> str | None:
    """The modal's top line, kept as it was when the modal is redrawn."""
    blocks = view.get("blocks") or []
    if blocks and blocks[0].get("type") == "context":
        elements = blocks[0].get("elements") or []
        if elements and isinstance(elements[0], dict):
            return str(elements[0].get("text") or "") or None
    return None


def setup(app: AsyncApp, runtime: Runtime, router: CommandRouter) -> None:
    def choices(form: IntakeForm) -> Choices:
        return Choices.of(runtime.domain, form.get(F.TIMEZONE))

    async def open_for_incident(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        action = body["actions"][0]
        now = runtime.clock.now()
        domain = runtime.domain
        async with runtime.sessions() as session:
            incident = await incidents.get(session, int(action["value"]))
            fields = await prefill.for_incident(session, domain, incident, now)
        tenant = domain.config.tenant(incident.tenant_id)
        about = (
            f"Incident #{incident.number} · {escape(tenant.name if tenant else incident.tenant_id)}"
            f" · {escape(incident.signature_title)}. Saving keeps earlier revisions."
        )
        form = form_from_fields(fields)
        channel = (body.get("channel") or {}).get("id")
        meta = Meta(Mode.INCIDENT, incident.id, channel)
        await client.views_open(
            trigger_id=body["trigger_id"], view=intake_modal(form, choices(form), meta, about=about)
        )

    async def declare(call: CommandCall) -> None:
        config = runtime.domain.config
        if not config.tenants:
            await call.reply(NO_TENANTS)
            return
        tenant_id = None
        if call.channel_id:
            async with runtime.sessions() as session:
                here = await incidents.by_channel(session, call.channel_id)
            tenant_id = here.tenant_id if here is not None else None
        fields = prefill.for_customer_report(
            config, tenant_id=tenant_id, text=call.args, now=runtime.clock.now()
        )
        form = form_from_fields(fields)
        meta = Meta(Mode.DECLARE, channel=call.channel_id or None)
        await call.client.views_open(
            trigger_id=call.trigger_id, view=intake_modal(form, choices(form), meta)
        )

    async def declare_from_message(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        config = runtime.domain.config
        message = body.get("message") or {}
        channel = str((body.get("channel") or {}).get("id") or "")
        ts = str(message.get("ts") or body.get("message_ts") or "")
        text = str(message.get("text") or "")
        fields = prefill.for_customer_report(
            config, tenant_id=None, text=text, now=runtime.clock.now()
        )
        form = form_from_fields(fields)
        meta = Meta(Mode.DECLARE, channel=channel or None, message_ts=ts or None)
        opened = await client.views_open(
            trigger_id=body["trigger_id"], view=intake_modal(form, choices(form), meta)
        )
        link = await _permalink(client, body, channel, ts) if channel and ts else None
        if link is None:
            return
        form = form.but(description=f"{text}\n\n{link}" if text else link)
        view = opened["view"]
        try:
            await client.views_update(
                view_id=view["id"], hash=view["hash"], view=intake_modal(form, choices(form), meta)
            )
        except SlackApiError as exc:
            # hash_conflict: the person already changed the modal; their version wins.
            log.info("could not add the permalink to the intake: %s", exc.response.get("error"))

    async def redraw(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """A customer, symptom, signature or scope was chosen: redraw the modal around it."""
        await ack()
        view = body["view"]
        action = body["actions"][0]
        form = read_view(view)
        name = field_name(str(action.get("block_id", "")))
        chosen = (action.get("selected_option") or {}).get("value")
        if name in IntakeForm.names():
            form = form.but(**{name: chosen})
        domain = runtime.domain
        if name == F.TENANT:
            form = prefill.on_tenant(form, domain.config, domain.playbooks)
        elif name == F.SYMPTOM:
            form = prefill.on_symptom(form, domain.playbooks)
        elif name == F.SIGNATURE:
            form = prefill.on_signature(form, domain.config, domain.playbooks)
        elif name == F.SCOPE:
            form = prefill.on_scope(form)
        meta = Meta.load(view.get("private_metadata"))
        modal = intake_modal(form, choices(form), meta, about=_about_of(view))
        try:
            await client.views_update(view_id=view["id"], hash=view.get("hash"), view=modal)
        except SlackApiError as exc:
            if exc.response.get("error") != "hash_conflict":
                raise
            log.info("intake modal %s changed meanwhile; a later redraw wins", view["id"])

    async def submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = Meta.load(view.get("private_metadata"))
        form = read_view(view)
        now = runtime.clock.now()
        domain = runtime.domain
        try:
            fields = validate(
                form,
                config=domain.config,
                playbooks=domain.playbooks,
                now=now,
                customer_report=meta.mode == Mode.DECLARE,
            )
        except IntakeInvalid as exc:
            errors = error_blocks(view.get("blocks") or [], exc.errors)
            await ack(response_action="errors", errors=errors)
            return
        # One durable insert before answering: what the person submitted survives a crash
        # right after the modal closes. Everything slower runs in the outbox.
        async with unit_of_work(runtime.sessions) as session:
            await submit.queue(
                session,
                key=str(view["id"]),
                mode=meta.mode,
                fields=fields,
                user=str(body["user"]["id"]),
                now=now,
                incident_id=meta.incident_id,
                origin_channel=meta.channel,
            )
        await ack()
        runtime.wake_outbox()

    async def search_tenants(ack: AsyncAck, payload: dict[str, Any]) -> None:
        options = tenant_options(
            Choices.of(runtime.domain).tenants, str(payload.get("value") or "")
        )
        await ack(options=[o.to_dict() for o in options])

    app.action(ids.START_INTAKE)(open_for_incident)
    router.add("declare", declare)
    app.shortcut(ids.DECLARE_SHORTCUT)(declare_from_message)
    for action_id in DISPATCHING:
        app.action(action_id)(redraw)
    app.view(ids.INTAKE_VIEW)(submitted)
    app.options(ids.INTAKE_TENANT)(search_tenants)


def _handlers(runtime: Runtime) -> dict[str, Handler]:
    return {
        submit.SUBMIT: submit.handler(lambda: runtime.domain),
        **slack_handlers(runtime),
    }


def feature() -> Feature:
    return Feature("intake", slack=setup, outbox=_handlers)
