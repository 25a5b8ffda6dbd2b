"""The pinned header of an incident channel: a pure function of a HeaderView.

It is redrawn in place (chat.update) whenever the incident changes, so everything here
is derived from the view and nothing from the previous message. To show something new,
add a field to HeaderView (bot/incidents/view.py) and a `_section` here.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.incidents.states import IncidentStatus
from bot.incidents.view import HeaderView
from bot.slack import ids
from bot.slack.blocks.fit import (
    CONTEXT_LIMIT,
    FIELD_LIMIT,
    HEADER_LIMIT,
    SECTION_LIMIT,
    channel_ref,
    fit,
    link,
    plain,
    user_ref,
)
from bot.slack.blocks.resolution import resolution_buttons, resolution_line
from bot.slack.blocks.storm import approve_all_button, storm_section
from bot.slack.text import date_token, escape

STATUS_ICON = {
    IncidentStatus.OPEN: ":rotating_light:",
    IncidentStatus.ACKNOWLEDGED: ":eyes:",
    IncidentStatus.MITIGATED: ":adhesive_bandage:",
    IncidentStatus.RESOLVED: ":white_check_mark:",
    IncidentStatus.REVIEWED: ":memo:",
}
ACTIONS_BLOCK = "incident_actions"  # the block that marks a message as an incident header
DESCRIPTION_LIMIT = 1200  # of the alert's text in the header; the link has the rest
RUNBOOK_STEP_LIMIT = 500
LABELS_SHOWN = 8


def header_text(view: HeaderView) -> str:
    """The notification and fallback text sent with the blocks (escaped: it is mrkdwn too)."""
    return fit(
        f"Incident #{view.number} · {view.tenant_name} · {view.signature_title} · "
        f"{view.severity} · {view.status.value}",
        300,
    )


def clock_text(view: HeaderView) -> str:
    """Where the response clock stands, as Slack date tokens (each reader's own timezone)."""
    if view.acknowledged_at is not None:
        verdict = " as a false positive" if view.false_positive else ""
        late = " (after the deadline)" if view.breached else ""
        who = user_ref(view.acknowledged_by)
        return f"Acknowledged{verdict} by {who} {date_token(view.acknowledged_at)}{late}"
    if view.breached:
        paged = f", escalated {view.escalations_fired} time(s)" if view.escalations_fired else ""
        return (
            f":warning: *Response SLO missed*: was due {date_token(view.response_deadline)}{paged}"
        )
    return f"Acknowledge by {date_token(view.response_deadline, '{time}')} (clock running)"


def alerts_text(view: HeaderView) -> str:
    if view.alert_count == 0:
        return "none recorded"
    text = f"{view.alert_count} ({view.firing_count} firing)"
    if view.all_alerts_resolved:
        text += (
            "\n:large_green_circle: all resolved: "
            "confirm impact, or acknowledge as a false positive"
        )
    return text


def _fields(view: HeaderView) -> SectionBlock:
    tenant = fit(view.tenant_name, 200)
    if view.tenant_id:
        tenant += f" (`{fit(view.tenant_id, 64)}`)"
    owner = fit(view.owner_team, 64) if view.owner_team else "the on-call"
    pairs = [
        ("Tenant", tenant),
        ("Signature", f"{fit(view.signature_title, 200)}\nowner: {owner}"),
        ("Severity", fit(view.severity, 16)),
        ("Status", f"{STATUS_ICON.get(view.status, '')} {view.status.value}"),
        ("Alerts", alerts_text(view)),
        ("Response", clock_text(view)),
    ]
    return SectionBlock(
        fields=[MarkdownTextObject(text=f"*{k}*\n{v}"[:FIELD_LIMIT]) for k, v in pairs]
    )


def _what_fired(view: HeaderView) -> list[Block]:
    alert = view.first_alert
    summary = view.title if alert is None or not alert.summary else alert.summary
    text = f"*What fired*\n{fit(summary, 500)}"
    if alert is not None and alert.description and alert.description != summary:
        description = fit(alert.description, DESCRIPTION_LIMIT)
        if len(escape(alert.description)) > DESCRIPTION_LIMIT:
            where = (
                link(alert.link, "the full text in the alert")
                if alert.link
                else (f"the full text via `GET /api/incidents/{view.incident_id}`")
            )
            description += f"\n_(shortened: see {where})_"
        text += f"\n{description}"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text[:SECTION_LIMIT]))]
    if alert is not None and alert.labels:
        shown = list(alert.labels.items())[:LABELS_SHOWN]
        labels = ", ".join(f"{k}={v}" for k, v in shown)
        more = len(alert.labels) - len(shown)
        suffix = f" (+{more} more)" if more > 0 else ""
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text=f"Labels: {fit(labels, CONTEXT_LIMIT - 40)}{suffix}")
                ]
            )
        )
    return blocks


def _fastest_check(view: HeaderView) -> SectionBlock:
    check = link(view.fastest_check_url, view.fastest_check_label)
    if not view.fastest_check_url:
        check += " (the playbook's link did not render; see the playbook)"
    return SectionBlock(text=MarkdownTextObject(text=f"*Fastest internal check*\n{check}"))


def _runbook(view: HeaderView) -> SectionBlock:
    lines: list[str] = []
    budget = SECTION_LIMIT - 20
    for i, step in enumerate(view.runbook, start=1):
        line = f"{i}. {fit(' '.join(step.split()), RUNBOOK_STEP_LIMIT)}"
        if sum(len(x) + 1 for x in lines) + len(line) > budget:
            lines.append("_(more steps in the playbook)_")
            break
        lines.append(line)
    return SectionBlock(text=MarkdownTextObject(text="*Runbook*\n" + "\n".join(lines)))


def _optional_sections(view: HeaderView) -> list[Block]:
    """Intake, customer notification and storm-mode links, when there are any."""
    lines: list[str] = []
    if view.intake is not None:
        intake = view.intake
        parts = [f"revision {intake.revision}"]
        if intake.by:
            parts.append(f"by {user_ref(intake.by)}")
        if intake.impact_start:
            parts.append(f"impact since {date_token(intake.impact_start)}")
        if intake.scope:
            parts.append(f"scope {fit(intake.scope, 40)}")
        if intake.check_result:
            parts.append(f"check {fit(intake.check_result, 40)}")
        missing = ", ".join(m.replace("_", " ") for m in intake.missing)
        lines.append(
            "*Intake*: " + ", ".join(parts) + (f"\n_Still missing_: {missing}" if missing else "")
        )
    if view.notification is not None:
        n = view.notification
        lines.append(
            f"*Customer message*: {fit(n.kind, 20)} (revision {n.revision}) "
            f"{fit(n.status.replace('_', ' '), 40)}"
        )
    resolution = resolution_line(view)
    if resolution:
        lines.append(resolution)
    if view.platform_links:
        refs = ", ".join(
            f"{fit(p.label, 80)} {channel_ref(p.channel_id, '')}".strip()
            for p in view.platform_links
        )
        lines.append(f"*Storm*: {refs}")
    if not lines:
        return []
    return [SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:SECTION_LIMIT]))]


def _button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=text), action_id=action_id, value=value, style=style
    )


def action_buttons(view: HeaderView) -> list[ButtonElement]:
    value = str(view.incident_id)
    buttons: list[ButtonElement] = []
    if view.acknowledged_at is None:
        buttons.append(_button("Acknowledge", ids.ACK, value, "primary"))
        if view.may_be_false_positive:
            buttons.append(_button("Acknowledge as false positive", ids.ACK_FALSE_POSITIVE, value))
    if view.active:
        buttons.append(_button("Start intake", ids.START_INTAKE, value))
    if view.storm is None:
        buttons.append(_button("Draft customer update", ids.DRAFT_UPDATE, value))
    else:  # a platform incident: its tenants' drafts, all at once
        approve_all = approve_all_button(view.storm)
        if approve_all is not None:
            buttons.append(approve_all)
    if view.active:
        resolve = _button("Resolve", ids.RESOLVE, value, "danger")
        resolve.confirm = ConfirmObject(
            title="Resolve this incident?",
            text="Resolve only once the customer impact has ended.",
            confirm="Resolve",
            deny="Not yet",
        )
        buttons.append(resolve)
    buttons.extend(resolution_buttons(view))  # Mitigated; after a resolve, review/postmortem
    return buttons


def header_blocks(view: HeaderView) -> list[Block]:
    icon = STATUS_ICON.get(view.status, "")
    title = f"{icon} #{view.number} {view.tenant_name}: {view.signature_title}"
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=plain(title, HEADER_LIMIT)))]
    blocks.append(_fields(view))
    blocks.extend(_what_fired(view))
    blocks.append(_fastest_check(view))
    blocks.append(_runbook(view))
    blocks.extend(_optional_sections(view))
    if view.storm is not None:
        blocks.append(storm_section(view.storm))
    blocks.append(DividerBlock())
    blocks.append(ActionsBlock(block_id=ACTIONS_BLOCK, elements=action_buttons(view)))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Incident #{view.number} opened {date_token(view.opened_at)} by crebot"
                )
            ]
        )
    )
    return blocks
