"""Block Kit for the alert review: the incident review modal, the alert-group review modal
and the `/cre review` list. Pure functions: data in, slack_sdk models out."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.incidents.alert_groups import AlertGroup, Calibration, GroupKey
from bot.incidents.models import Incident
from bot.ingest.models import Verdict
from bot.slack import ids
from bot.slack.text import date_token, escape, shorten

MODAL_GROUPS = 30  # 3 inputs each, under the 100-block limit of a modal
LIST_LIMIT = 15  # per section of the `/cre review` list (≤ 50 blocks in a message)
REST = "rest"  # block id suffix for "every group not listed"

VERDICT_LABELS = {
    Verdict.TRUE_POSITIVE: "True positive: real customer impact",
    Verdict.FALSE_POSITIVE: "False positive: no customer impact",
}


def group_token(key: GroupKey) -> str:
    """A short stable id for a group, for block ids (an alertname may be 200 characters)."""
    return hashlib.sha1(f"{key.source}\0{key.alertname}".encode()).hexdigest()[:12]


def _verdict_options() -> list[Option]:
    return [Option(value=v.value, label=label) for v, label in VERDICT_LABELS.items()]


def _calibration_options() -> list[Option]:
    return [Option(value=c.value, label=c.label) for c in Calibration]


def _group_inputs(
    token: str, label: str, initial: Verdict | None, verdict_required: bool = True
) -> list[Block]:
    verdicts = _verdict_options()
    chosen = next((o for o in verdicts if initial and o.value == initial.value), None)
    return [
        InputBlock(
            block_id=f"verdict:{token}",
            label=shorten(label, 2000),
            element=StaticSelectElement(
                action_id=ids.REVIEW_VERDICT,
                placeholder="True or false positive?",
                options=verdicts,
                initial_option=chosen,
            ),
            optional=not verdict_required,
        ),
        InputBlock(
            block_id=f"calibration:{token}",
            label="Calibration",
            element=StaticSelectElement(
                action_id=ids.REVIEW_CALIBRATION,
                placeholder="How should this alert change?",
                options=_calibration_options(),
            ),
            optional=True,
        ),
        InputBlock(
            block_id=f"note:{token}",
            label="Calibration note",
            element=PlainTextInputElement(
                action_id=ids.REVIEW_GROUP_NOTE,
                placeholder="e.g. fires at 1% errors; customers notice at 5%",
                max_length=500,
            ),
            optional=True,
        ),
    ]


def _group_label(group: AlertGroup) -> str:
    tenants = f", tenants {', '.join(group.tenants)}" if group.tenants else ""
    name = group.key.alertname or "(no alertname)"
    return f"{name} ({group.key.source}, {group.count} alerts{tenants})"


def _uniform(group: AlertGroup) -> Verdict | None:
    if len(group.verdicts) == 1 and not group.unreviewed:
        return Verdict(next(iter(group.verdicts)))
    return None


def incident_review_modal(incident: Incident, groups: Sequence[AlertGroup]) -> View:
    """Every alert group of the incident, each with a verdict and a calibration note."""
    acked_false = incident.false_positive
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*#{incident.id} {escape(incident.title)}*\n"
                "Mark each alert true or false positive and say how it should change: "
                "false positives and missing tenant mappings or signatures are what the "
                "owning team fixes next."
            )
        )
    ]
    if not groups:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text="No alerts were attached to this incident.")]
            )
        )
    shown, rest = list(groups[:MODAL_GROUPS]), list(groups[MODAL_GROUPS:])
    for group in shown:
        default = _uniform(group) or (Verdict.FALSE_POSITIVE if acked_false else None)
        blocks += _group_inputs(group_token(group.key), _group_label(group), default)
    if rest:
        alerts = sum(g.count for g in rest)
        blocks += _group_inputs(REST, f"The {len(rest)} other groups ({alerts} alerts)", None)
    blocks.append(
        InputBlock(
            block_id="review_note",
            label="What did we learn?",
            element=PlainTextInputElement(
                action_id=ids.REVIEW_NOTE,
                multiline=True,
                max_length=3000,
                placeholder="Blameless: what made this hard to detect or fix?",
            ),
            optional=True,
        )
    )
    return View(
        type="modal",
        callback_id=ids.REVIEW_VIEW,
        title=shorten(f"Review incident #{incident.id}", 24),
        submit="Save review",
        close="Cancel",
        private_metadata=json.dumps({"incident": incident.id}),
        blocks=blocks,
    )


def group_review_modal(group: AlertGroup) -> View:
    key = group.key
    since = date_token(group.first_received)
    tenants = ", ".join(escape(t) for t in group.tenants) or "no tenant label"
    signatures = ", ".join(escape(s) for s in group.signatures) or "no failure signature"
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{escape(key.alertname or '(no alertname)')}* from {escape(key.source)}\n"
                f"{group.unreviewed} unreviewed alerts since {since}; {tenants}; {signatures}."
            )
        ),
        *_group_inputs("group", "Verdict for these alerts", None),
    ]
    metadata = json.dumps({"source": key.source, "alertname": key.alertname})
    return View(
        type="modal",
        callback_id=ids.GROUP_REVIEW_VIEW,
        title="Review alerts",
        submit="Save review",
        close="Cancel",
        private_metadata=metadata,
        blocks=blocks,
    )


def review_list(incidents: Sequence[Incident], groups: Sequence[AlertGroup]) -> list[Block]:
    """`/cre review`: resolved incidents awaiting review, then untenanted, non-key and
    unclassified alert groups without a verdict, each with a Review button."""
    blocks: list[Block] = [HeaderBlock(text="Still to review")]
    if not incidents and not groups:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="Nothing: every review is done.")))
        return blocks
    blocks.append(
        SectionBlock(text=MarkdownTextObject(text=f"*Resolved incidents* ({len(incidents)})"))
    )
    for incident in incidents[:LIST_LIMIT]:
        where = f"<#{incident.channel_id}>" if incident.channel_id else "no channel"
        resolved = date_token(incident.resolved_at) if incident.resolved_at else "–"
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"#{incident.id} {escape(shorten(incident.title, 200))} · {where} · "
                    f"resolved {resolved}"
                ),
                accessory=ButtonElement(
                    text="Review", action_id=ids.REVIEW_OPEN, value=str(incident.id)
                ),
            )
        )
    blocks += _more(len(incidents))
    blocks.append(DividerBlock())
    alerts = sum(g.unreviewed for g in groups)
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*Untenanted, non-key and unclassified alerts* ({alerts} in "
                f"{len(groups)} groups by alertname and source)"
            )
        )
    )
    for group in groups[:LIST_LIMIT]:
        value = json.dumps({"source": group.key.source, "alertname": group.key.alertname})
        tenants = ", ".join(escape(t) for t in group.tenants[:5]) or "no tenant"
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"`{escape(shorten(group.key.alertname or '(no alertname)', 150))}` from "
                    f"{escape(group.key.source)} · {group.unreviewed} alerts · {tenants}"
                ),
                accessory=ButtonElement(
                    text="Review", action_id=ids.REVIEW_GROUP_OPEN, value=value
                ),
            )
        )
    blocks += _more(len(groups))
    return blocks


def _more(total: int) -> list[Block]:
    if total <= LIST_LIMIT:
        return []
    return [
        ContextBlock(
            elements=[MarkdownTextObject(text=f"…and {total - LIST_LIMIT} more after these.")]
        )
    ]


def review_list_text(incidents: int, alerts: int, groups: int) -> str:
    return (
        f"Still to review: {incidents} resolved incidents, {alerts} untenanted, non-key or "
        f"unclassified alerts in {groups} groups."
    )


def review_actions(incident_id: int) -> ActionsBlock:
    return ActionsBlock(
        block_id=f"review:{incident_id}",
        elements=[
            ButtonElement(
                text="Review alerts",
                action_id=ids.REVIEW_OPEN,
                value=str(incident_id),
                style="primary",
            ),
            ButtonElement(
                text="Write postmortem", action_id=ids.POSTMORTEM, value=str(incident_id)
            ),
        ],
    )
