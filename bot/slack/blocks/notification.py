"""Customer messages in Slack: the draft in the incident channel, the relay DM, the support
copy, the App Home section. Pure functions of a `DraftView`.

The draft message is redrawn in place whenever the message changes, so it always shows
where the message stands: what it says, who may approve it, and once sent who approved it,
when, and where it went. Customer text is escaped before it reaches Slack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.notifications.models import MessageKind, NotificationStatus
from bot.notifications.queries import Awaiting
from bot.slack import ids
from bot.slack.text import date_token, escape, shorten

S = NotificationStatus
SECTION_LIMIT = 3000
KIND_LABEL = {
    MessageKind.INITIAL: "initial message",
    MessageKind.UPDATE: "update",
    MessageKind.RESOLVED: "resolved message",
}


def mention(target: str) -> str:
    """A user (`U…`/`W…`) or user group (`S…`) id as a Slack mention."""
    return f"<!subteam^{target}>" if target.startswith("S") else f"<@{target}>"


def mentions(targets: Sequence[str], empty: str = "nobody") -> str:
    return ", ".join(mention(t) for t in targets) or empty


def quoted(text: str, limit: int = SECTION_LIMIT - 100) -> str:
    """Customer text as a Slack quote, escaped, within a section's limit."""
    body = "\n".join(f">{' ' if line else ''}{line}" for line in escape(text).splitlines())
    if len(body) > limit:
        body = shorten(body, limit, "… _(shortened here: Edit shows the full text)_")
    return body or ">"


@dataclass(frozen=True)
class DraftView:
    notification_id: int
    incident_number: int
    tenant_name: str
    kind: MessageKind
    status: NotificationStatus
    revision: int
    text: str
    author: str | None
    csams: tuple[str, ...]
    customer_channel: str | None
    approved_by: str | None = None
    approved_at: datetime | None = None
    rejected_by: str | None = None
    rejected_at: datetime | None = None
    reject_reason: str | None = None
    stale_reason: str | None = None
    delivered_at: datetime | None = None
    delivered_link: str | None = None
    relayed_by: str | None = None

    @property
    def value(self) -> str:
        """What the buttons carry: the message and the revision the reader saw."""
        return f"{self.notification_id}:{self.revision}"


def destination(view: DraftView) -> str:
    if view.customer_channel:
        return f"to <#{view.customer_channel}> (Slack Connect)"
    return "through the CSAMs (no Slack Connect channel)"


def draft_text(view: DraftView) -> str:
    """The notification text sent with the blocks."""
    state = view.status.value.replace("_", " ")
    return f"Customer {KIND_LABEL[view.kind]} for {escape(view.tenant_name)}: {state}"


def _status_line(view: DraftView) -> str:
    approved = ""
    if view.approved_by and view.approved_at:
        approved = f"Approved by <@{view.approved_by}> {date_token(view.approved_at)}"
    if view.status == S.DRAFT:
        # No mention here: posting one would page the CSAMs for what may be a blip.
        return (
            ":memo: *Not sent.* Once a responder confirms customer impact, approval is "
            f"requested from {escape(view.tenant_name)}'s CSAMs."
        )
    if view.status == S.PENDING_APPROVAL:
        who = f"{mentions(view.csams)} (the tenant's CSAMs) or an approver"
        return (
            f":hourglass_flowing_sand: *Waiting for approval* by "
            f"{who if view.csams else 'an approver (the tenant has no CSAMs)'}. Whoever wrote "
            "a revision cannot approve it, unless they are the tenant's CSAM."
        )
    if view.status == S.APPROVED:
        return f":outbox_tray: {approved}; sending now."
    if view.status == S.AWAITING_RELAY:
        return (
            f":incoming_envelope: {approved}. Sent to {mentions(view.csams)} to pass on to the "
            "customer; waiting for them to mark it as sent."
        )
    if view.status == S.DELIVERED and view.delivered_at is not None:
        when = date_token(view.delivered_at)
        if view.relayed_by:
            sent = f"Relayed to the customer by <@{view.relayed_by}> {when}"
        else:
            where = f"<#{view.customer_channel}>" if view.customer_channel else "the customer"
            sent = f"Sent to {where} {when}"
            if view.delivered_link:
                sent += f" (<{view.delivered_link}|view the message>)"
        return f":white_check_mark: {sent}. {approved}."
    if view.status == S.REJECTED:
        who = f"<@{view.rejected_by}>" if view.rejected_by else "someone"
        when = date_token(view.rejected_at) if view.rejected_at else ""
        return f":x: *Rejected* by {who} {when}: {escape(view.reject_reason or '')}"
    return (
        f":warning: *Stale, not sent*: {escape(view.stale_reason or 'it is out of date')}. "
        "Edit it to bring it up to date, or draft a new one from the header."
    )


def _button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=text), action_id=action_id, value=value, style=style
    )


def _buttons(view: DraftView) -> list[ButtonElement]:
    if view.status == S.DRAFT:
        return [
            _button("Confirm impact", ids.CONFIRM_IMPACT, view.value, "primary"),
            _button("Edit", ids.EDIT, view.value),
        ]
    if view.status == S.PENDING_APPROVAL:
        approve = _button("Approve & send", ids.APPROVE, view.value, "primary")
        approve.confirm = ConfirmObject(
            title="Send to the customer?",
            text=f"Revision {view.revision} goes to {escape(view.tenant_name[:200])} as it "
            "reads here.",
            confirm="Send",
            deny="Not yet",
        )
        return [
            approve,
            _button("Edit", ids.EDIT, view.value),
            _button("Reject", ids.REJECT, view.value, "danger"),
        ]
    if view.status == S.STALE:
        return [_button("Edit", ids.EDIT, view.value)]
    return []


def draft_blocks(view: DraftView) -> list[Block]:
    author = f"<@{view.author}>" if view.author else "crebot"
    title = (
        f"*Customer {KIND_LABEL[view.kind]} for {escape(view.tenant_name)}*, "
        f"revision {view.revision} by {author}, {destination(view)}"
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=shorten(title, SECTION_LIMIT))),
        SectionBlock(text=MarkdownTextObject(text=quoted(view.text))),
        SectionBlock(text=MarkdownTextObject(text=shorten(_status_line(view), SECTION_LIMIT))),
    ]
    buttons = _buttons(view)
    if buttons:
        blocks.append(
            ActionsBlock(block_id=f"notification_{view.notification_id}", elements=buttons)
        )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Incident #{view.incident_number} · customer message "
                    f"{view.notification_id} · every step is audited"
                )
            ]
        )
    )
    return blocks


def ask_text(view: DraftView) -> str:
    """The ping that makes the CSAMs look (a thread reply under the draft)."""
    who = mentions(view.csams, "Approvers")
    return (
        f"{who}: the customer {KIND_LABEL[view.kind]} for {escape(view.tenant_name)} above "
        f"waits for your approval (revision {view.revision}). Approve & send, Edit or Reject it."
    )


def waited_for(waited: timedelta) -> str:
    minutes = max(1, int(waited.total_seconds() // 60))
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{minutes // 60} hours {minutes % 60} minutes"


def reminder_text(
    view: DraftView, stage: str, targets: Sequence[str], link: str | None, waited: timedelta
) -> str:
    """A reminder to the CSAMs (`stage` "csams"), or the offer to the approvers."""
    where = f"<{link}|the draft>" if link else "the draft in the incident channel"
    what = f"the customer {KIND_LABEL[view.kind]} for {escape(view.tenant_name)}"
    ref = f"incident #{view.incident_number}"
    if stage == "csams":
        return (
            f"{mentions(targets)}: reminder, {what} has waited {waited_for(waited)} for your "
            f"approval ({ref}). See {where}."
        )
    return (
        f"{mentions(targets)}: {what} has waited {waited_for(waited)} and no CSAM has approved "
        f"it ({ref}). As an approver you may approve it: see {where}."
    )


def relay_blocks(
    view: DraftView,
    marked_by: str | None,
    marked_at: datetime | None,
    *,
    problem: str | None = None,
) -> list[Block]:
    """The DM to a CSAM: the approved text to pass on, and Mark as sent. `problem` is why
    the tenant's Slack Connect channel could not take it, when it has one."""
    why = "crebot has no Slack Connect channel for them"
    if problem and view.customer_channel:
        why = (
            f"crebot could not post in <#{view.customer_channel}> (Slack said `{escape(problem)}`)"
        )
    intro = (
        f"*Please pass this approved message on to {escape(view.tenant_name)}* "
        f"(incident #{view.incident_number}): {why}."
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=shorten(intro, SECTION_LIMIT))),
        SectionBlock(text=MarkdownTextObject(text=quoted(view.text))),
    ]
    if marked_by is not None and marked_at is not None:
        done = f":white_check_mark: Marked as sent by <@{marked_by}> {date_token(marked_at)}"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=done)]))
    else:
        blocks.append(
            ActionsBlock(
                block_id=f"relay_{view.notification_id}",
                elements=[
                    _button("Mark as sent", ids.MARK_SENT, str(view.notification_id), "primary")
                ],
            )
        )
    return blocks


def relay_text(view: DraftView) -> str:
    return f"Please pass this approved message on to {escape(view.tenant_name)}"


def support_copy(view: DraftView) -> str:
    """The support channel's copy of a delivered message."""
    if view.relayed_by:
        how = f"relayed by <@{view.relayed_by}>"
    elif view.customer_channel:
        how = f"sent to <#{view.customer_channel}>"
        if view.delivered_link:
            how += f" (<{view.delivered_link}|view>)"
    else:
        how = "sent"
    approved = f", approved by <@{view.approved_by}>" if view.approved_by else ""
    head = (
        f"Customer {KIND_LABEL[view.kind]} to {escape(view.tenant_name)} "
        f"(incident #{view.incident_number}) {how}{approved}:"
    )
    return f"{head}\n{quoted(view.text, 3500)}"


def home_blocks(items: Sequence[Awaiting], tenant_names: dict[str, str]) -> list[Block]:
    """The App Home section: what waits for this person's approval."""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="Waiting for your approval"))]
    if not items:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text="No customer message waits for you.")])
        )
        return blocks
    for item in items[:20]:
        where = f" in <#{item.channel_id}>" if item.channel_id else ""
        name = escape(tenant_names.get(item.tenant_id, item.tenant_id))
        kind = KIND_LABEL.get(MessageKind(item.kind), item.kind)
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{name}*: {kind} for incident #{item.incident_number}{where}, "
                    f"revision {item.revision}, waiting since {date_token(item.requested_at)}"
                )
            )
        )
    if len(items) > 20:
        more = f"…and {len(items) - 20} more."
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return blocks
