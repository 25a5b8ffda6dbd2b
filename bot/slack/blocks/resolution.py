"""Block Kit for mitigate, resolve, review summaries and action items (pure builders)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.incidents.alert_groups import AlertGroup
from bot.incidents.models import Incident
from bot.incidents.states import IncidentStatus
from bot.incidents.view import HeaderView
from bot.reports.formatting import duration
from bot.slack import ids
from bot.slack.blocks.review import review_actions
from bot.slack.text import date_token, escape, shorten


def resolution_line(view: HeaderView) -> str | None:
    """The header's line on mitigation, resolution, review and action items."""
    parts = []
    for label, when in (
        ("mitigated", view.mitigated_at),
        ("resolved", view.resolved_at),
        ("reviewed", view.reviewed_at),
    ):
        if when is not None:
            parts.append(f"{label} {date_token(when)}")
    if view.status == IncidentStatus.RESOLVED:
        parts.append(f"review pending (`{ids.COMMAND} review`)")
    if view.action_items:
        parts.append(f"{view.action_items} action item{'s' if view.action_items != 1 else ''}")
    return "*Resolution*: " + ", ".join(parts) if parts else None


def resolution_buttons(view: HeaderView) -> list[ButtonElement]:
    """Mitigated while the impact goes on; once resolved, the review and the postmortem."""
    value = str(view.incident_id)
    if view.status == IncidentStatus.ACKNOWLEDGED:
        return [ButtonElement(text="Mitigated", action_id=ids.MITIGATE, value=value)]
    if view.status == IncidentStatus.RESOLVED:
        return [
            ButtonElement(text="Review alerts", action_id=ids.REVIEW_OPEN, value=value),
            ButtonElement(text="Write postmortem", action_id=ids.POSTMORTEM, value=value),
        ]
    if view.status == IncidentStatus.REVIEWED:
        return [ButtonElement(text="Write postmortem", action_id=ids.POSTMORTEM, value=value)]
    return []


def resolve_button(incident_id: int) -> ButtonElement:
    return ButtonElement(
        text="Resolve",
        action_id=ids.RESOLVE,
        value=str(incident_id),
        style="primary",
        confirm=ConfirmObject(
            title="Resolve this incident?",
            text="Resolve only once the customer impact is over and the cause is fixed. "
            "The resolved customer message is drafted for approval.",
            confirm="Resolve",
            deny="Not yet",
        ),
    )


def _note(note: str | None) -> str:
    return f"\n>{escape(shorten(note, 2000))}" if note else ""


def mitigated_message(incident: Incident, user: str, note: str | None) -> tuple[str, list[Block]]:
    when = date_token(incident.mitigated_at) if incident.mitigated_at else "now"
    text = f":large_yellow_circle: Impact mitigated by <@{user}> at {when}.{_note(note)}"
    return text, [
        SectionBlock(text=MarkdownTextObject(text=text)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Resolve once the cause is fixed for good (the button below, or "
                    f"`{ids.COMMAND} resolve`)."
                )
            ]
        ),
        ActionsBlock(block_id=f"mitigated:{incident.id}", elements=[resolve_button(incident.id)]),
    ]


def resolved_message(
    incident: Incident, user: str, note: str | None, message_offered: bool
) -> tuple[str, list[Block]]:
    when = date_token(incident.resolved_at) if incident.resolved_at else "now"
    lasted = duration(incident.resolved_at - incident.opened_at) if incident.resolved_at else "–"
    text = (
        f":large_green_circle: Resolved by <@{user}> at {when}, {lasted} after it opened."
        f"{_note(note)}"
    )
    customer = (
        "The resolved customer message is drafted and waiting for approval."
        if message_offered
        else "Draft the resolved customer message from the header when the customer should hear it."
    )
    nudge = (
        "*Next: the review.* Mark each alert true or false positive with a calibration note, "
        f"add action items with `{ids.COMMAND} action <text> [@owner] [due YYYY-MM-DD]` and "
        f"write the postmortem with `{ids.COMMAND} postmortem`."
    )
    return text, [
        SectionBlock(text=MarkdownTextObject(text=text)),
        ContextBlock(elements=[MarkdownTextObject(text=customer)]),
        SectionBlock(text=MarkdownTextObject(text=nudge)),
        review_actions(incident.id),
    ]


def support_resolved_text(incident: Incident, tenant_name: str | None) -> str:
    lasted = duration(incident.resolved_at - incident.opened_at) if incident.resolved_at else "–"
    where = f" in <#{incident.channel_id}>" if incident.channel_id else ""
    who = escape(tenant_name or incident.tenant_id or "platform")
    return (
        f":large_green_circle: Resolved: #{incident.id} {escape(incident.signature_title)} "
        f"for {who}{where}, open for {lasted}."
    )


def _verdict_counts(groups: Sequence[AlertGroup]) -> str:
    true_p = sum(g.verdicts.get("true_positive", 0) for g in groups)
    false_p = sum(g.verdicts.get("false_positive", 0) for g in groups)
    return f"{true_p} true positive and {false_p} false positive alerts"


def incident_review_summary(
    incident: Incident,
    tenant_name: str | None,
    groups: Sequence[AlertGroup],
    notes: dict[tuple[str, str], str],
) -> str:
    """What the owning team hears once an incident is reviewed: the verdicts, with the
    calibration notes that are theirs to act on."""
    who = escape(tenant_name or incident.tenant_id or "platform")
    lines = [
        f":mag: Review of #{incident.id} {escape(incident.signature_title)} for {who}: "
        f"{_verdict_counts(groups)}."
    ]
    for group in groups[:20]:
        note = notes.get((group.key.source, group.key.alertname))
        verdict = ", ".join(f"{n} {v.replace('_', ' ')}" for v, n in sorted(group.verdicts.items()))
        lines.append(
            f"• `{escape(shorten(group.key.alertname or '(no alertname)', 150))}` from "
            f"{escape(group.key.source)}: {verdict}"
            + (f" ({escape(shorten(note, 300))})" if note else "")
        )
    if len(groups) > 20:
        lines.append(f"…and {len(groups) - 20} more alert groups.")
    if incident.review_note:
        lines.append(f">{escape(shorten(incident.review_note, 1500))}")
    return "\n".join(lines)


def group_review_summary(
    source: str,
    alertname: str,
    verdict: str,
    calibration: str | None,
    alerts: int,
    tenants: Sequence[str],
    user: str,
) -> str:
    who = f" (tenants {', '.join(escape(t) for t in tenants[:10])})" if tenants else ""
    text = (
        f":mag: <@{user}> reviewed {alerts} untenanted, non-key or unclassified alerts "
        f"`{escape(shorten(alertname or '(no alertname)', 150))}` from {escape(source)}{who}: "
        f"{verdict.replace('_', ' ')}"
    )
    return text + (f" ({escape(shorten(calibration, 500))})." if calibration else ".")


def archive_notice(incident: Incident) -> str:
    return (
        f"Incident #{incident.id} is reviewed; this channel is archived now. "
        f"`{ids.COMMAND} postmortem` and the API keep the postmortem available."
    )


def action_item_modal(incident_id: int) -> View:
    return View(
        type="modal",
        callback_id=ids.ACTION_ITEM_VIEW,
        title="Add an action item",
        submit="Add",
        close="Cancel",
        private_metadata=json.dumps({"incident": incident_id}),
        blocks=[
            InputBlock(
                block_id="text",
                label="What should change?",
                element=PlainTextInputElement(
                    action_id=ids.ACTION_TEXT, multiline=True, max_length=2000
                ),
            ),
            InputBlock(
                block_id="owner",
                label="Owner",
                element=UserSelectElement(action_id=ids.ACTION_OWNER),
                optional=True,
            ),
            InputBlock(
                block_id="due",
                label="Due",
                element=DatePickerElement(action_id=ids.ACTION_DUE),
                optional=True,
            ),
        ],
    )
