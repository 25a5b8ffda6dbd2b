"""The modals of customer messages: draft one (choose the kind, edit the text), edit a
revision, reject with a reason. Pure builders; ids travel in private_metadata.

The text box takes plain language and may use the template variables; it is rendered in
the same sandbox as playbook templates when saved, and an error is shown on the box.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.notifications.drafting import MAX_LENGTH
from bot.notifications.models import MessageKind
from bot.slack import ids
from bot.slack.blocks.notification import KIND_LABEL, mentions
from bot.slack.text import escape, shorten

KIND_BLOCK = "kind"
EDIT_TEXT_BLOCK = "text"
REASON_BLOCK = "reason"
HINT = (
    "Plain language for the customer: no alert names, hosts or internal links. You may use "
    "{{ impact.start }}, {{ next_update_at }}, {{ tenant.name }} and the other template "
    "variables."
)


def text_block_id(kind: MessageKind) -> str:
    """A block id per kind, so switching the kind replaces the text box's initial value
    (Slack keeps what was typed into a block whose id stays the same)."""
    return f"text_{kind.value}"


def metadata(**values: Any) -> str:
    return json.dumps(values, separators=(",", ":"))


def read_metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _text_input(block_id: str, text: str | None, label: str) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        element=PlainTextInputElement(
            action_id=ids.DRAFT_TEXT,
            multiline=True,
            initial_value=(text or None) and text[:MAX_LENGTH],
            max_length=MAX_LENGTH,
        ),
        hint=PlainTextObject(text=HINT),
    )


def _kind_option(kind: MessageKind) -> Option:
    return Option(value=kind.value, text=KIND_LABEL[kind].capitalize())


def draft_modal(
    *,
    incident_id: int,
    incident_number: int,
    tenant_name: str,
    kind: MessageKind,
    text: str | None,
    error: str | None,
    csams: tuple[str, ...],
    impact_confirmed: bool,
) -> View:
    blocks: list[Block] = [
        InputBlock(
            block_id=KIND_BLOCK,
            label=PlainTextObject(text="Message"),
            dispatch_action=True,
            element=StaticSelectElement(
                action_id=ids.DRAFT_KIND,
                options=[_kind_option(k) for k in MessageKind],
                initial_option=_kind_option(kind),
            ),
        )
    ]
    if error:
        problem = shorten(
            f":warning: The playbook's template for this message failed: {escape(error)}\n"
            "Nothing was drafted. Write the message yourself below.",
            2900,
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=problem)))
    blocks.append(_text_input(text_block_id(kind), text, "What the customer will read"))
    if impact_confirmed:
        note = f"Saving asks {mentions(csams, 'the approvers')} to approve it."
    else:
        note = "Saved as a draft: approval is requested once customer impact is confirmed."
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    return View(
        type="modal",
        callback_id=ids.DRAFT_VIEW,
        title=PlainTextObject(text="Customer message"),
        submit=PlainTextObject(text="Request approval" if impact_confirmed else "Save draft"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metadata(
            incident=incident_id, number=incident_number, tenant=tenant_name[:200]
        ),
        blocks=blocks,
    )


def edit_modal(*, notification_id: int, revision: int, kind: MessageKind, text: str) -> View:
    intro = (
        f"Revision {revision} of the {KIND_LABEL[kind]}. Saving makes revision {revision + 1}; "
        "whoever saves it cannot approve it, unless they are the tenant's CSAM."
    )
    return View(
        type="modal",
        callback_id=ids.EDIT_VIEW,
        title=PlainTextObject(text="Edit customer message"),
        submit=PlainTextObject(text="Save revision"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metadata(n=notification_id, r=revision),
        blocks=[
            ContextBlock(elements=[MarkdownTextObject(text=intro)]),
            _text_input(EDIT_TEXT_BLOCK, text, "What the customer will read"),
        ],
    )


def reject_modal(*, notification_id: int, revision: int, kind: MessageKind) -> View:
    return View(
        type="modal",
        callback_id=ids.REJECT_VIEW,
        title=PlainTextObject(text="Reject message"),
        submit=PlainTextObject(text="Reject"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metadata(n=notification_id, r=revision),
        blocks=[
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"Revision {revision} of the {KIND_LABEL[kind]} will not be sent."
                    )
                ]
            ),
            InputBlock(
                block_id=REASON_BLOCK,
                label=PlainTextObject(text="Why? The drafter reads this"),
                element=PlainTextInputElement(
                    action_id=ids.REJECT_REASON, multiline=True, max_length=2000
                ),
            ),
        ],
    )
