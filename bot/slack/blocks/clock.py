"""Messages of the response clock, as pure functions: reminders, escalations, the pages sent
by direct message, and customer-update nudges. (The header and the App Home show the clock
through bot/slack/blocks/header.py and listing.py.)

Every time is a Slack date token, so each reader sees their own timezone. Names from
crebot.yaml and playbooks go through `fit` (escaped); ids are ones Slack or the
configuration validated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.incidents.clock_view import human
from bot.incidents.firing import mention
from bot.slack.blocks.fit import SECTION_LIMIT, channel_ref, fit, link
from bot.slack.ids import COMMAND
from bot.slack.text import date_token

HOW_TO_ACK = f"Acknowledge with the button in the pinned header, or type `{COMMAND} ack` here."


@dataclass(frozen=True)
class IncidentLabel:
    """How a clock message names its incident."""

    number: int
    tenant_name: str
    signature_title: str
    channel_id: str | None = None

    def text(self) -> str:
        tenant, signature = fit(self.tenant_name, 120), fit(self.signature_title, 150)
        return f"incident #{self.number} ({tenant}: {signature})"


Message = tuple[str, list[Block]]  # (notification and fallback text, blocks)


def _message(text: str, note: str | None = None) -> Message:
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text[:SECTION_LIMIT]))]
    if note:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    return text, blocks


def mentions(ids: Sequence[str]) -> str:
    return " ".join(mention(i) for i in ids) or "the on-call"


def reminder_message(
    label: IncidentLabel, deadline: datetime, now: datetime, oncall: Sequence[str], number: int
) -> Message:
    left = human(deadline - now)
    text = (
        f":hourglass_flowing_sand: *Reminder {number}*: {label.text()} is not acknowledged yet. "
        f"*{left}* left before the response deadline, {date_token(deadline, '{time}')}.\n"
        f"On call: {mentions(oncall)}"
    )
    return _message(text, HOW_TO_ACK)


def escalation_message(
    label: IncidentLabel,
    deadline: datetime,
    now: datetime,
    users: Sequence[str],
    step: int,
    of: int,
) -> Message:
    late = human(now - deadline)
    text = (
        f":rotating_light: *Escalation {step} of {of}*: {mentions(users)}, {label.text()} "
        f"missed its response deadline ({date_token(deadline, '{time}')}, {late} ago) and "
        "nobody has acknowledged it. You have been added to this channel."
    )
    return _message(text, HOW_TO_ACK)


def escalation_dm(
    label: IncidentLabel, deadline: datetime, now: datetime, permalink: str | None
) -> Message:
    where = channel_ref(label.channel_id)
    text = (
        f":rotating_light: You are paged for {label.text()}: nobody has acknowledged it, "
        f"{human(now - deadline)} after its response deadline "
        f"({date_token(deadline, '{time}')}). You were added to {where}"
    )
    if permalink:
        text += f": {link(permalink, 'open the escalation')}"
    return _message(text + ".")


def update_due_message(
    label: IncidentLabel, due: datetime, now: datetime, phase: str, who: Sequence[str]
) -> Message:
    tenant = fit(label.tenant_name, 120)
    if phase == "soon":
        text = (
            f":hourglass: The next customer update for {tenant} is due "
            f"{date_token(due, '{time}')} (in {human(due - now)})."
        )
    else:
        text = (
            f":alarm_clock: The customer update for {tenant} promised for "
            f"{date_token(due, '{time}')} is due now."
        )
    text += f" {mentions(who)}: draft it with *Draft customer update* in the pinned header."
    return _message(text)
