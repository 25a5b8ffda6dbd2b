"""The intake as responders read it in Slack: times as date tokens, text escaped.

Used for the message posted in the incident channel after each save, and by the pinned
header's intake section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.intake.fields import (
    CHECK_RESULT_LABELS,
    ONCALL,
    SCOPE_LABELS,
    SYMPTOM_LABELS,
    IntakeFields,
    Scope,
)
from bot.slack.text import date_token, escape, shorten


def _label(table: Mapping[Any, str], value: str | None) -> str | None:
    if value is None:
        return None
    return table.get(value, value)


def impact_window(f: IntakeFields) -> str | None:
    if f.impact_start is None:
        return None
    start = date_token(f.impact_start)
    end = date_token(f.impact_end) if f.impact_end else "ongoing"
    zone = f" (entered in {escape(f.timezone)})" if f.timezone else ""
    return f"{start} → {end}{zone}"


def intake_lines(
    f: IntakeFields, *, tenant_name: str | None = None, signature_title: str | None = None
) -> list[str]:
    """One mrkdwn line per field that has a value, in the template's order."""
    scope = _label(SCOPE_LABELS, f.scope)
    if scope and f.scope == Scope.REGION and f.scope_region:
        scope = f"{scope}: {f.scope_region}"
    result = _label(CHECK_RESULT_LABELS, f.check_result)
    check = escape(shorten(f.fastest_check, 300)) if f.fastest_check else None
    if result:
        check = f"{check} — *{result}*" if check else f"*{result}*"
    owner = "on-call" if f.owner_team == ONCALL else f.owner_team

    def token(value: datetime | None) -> str | None:
        return date_token(value) if value else None

    def text(value: str | None, limit: int = 500) -> str | None:
        return escape(shorten(value, limit)) if value else None

    # Dates are Slack tokens (crebot's own markup); everything from people is escaped.
    rows: list[tuple[str, str | None]] = [
        ("Customer", text(tenant_name or f.tenant_id)),
        ("Impact", impact_window(f)),
        ("Symptom", text(_label(SYMPTOM_LABELS, f.symptom))),
        ("Signature", text(signature_title or f.signature_id)),
        ("Scope", text(scope)),
        ("Fastest check", check),
        ("Owner", text(owner)),
        ("Customer reported", token(f.customer_reported_at)),
        ("Say now", text(f.update_now)),
        ("Say next", text(f.update_next)),
        ("Next update due", token(f.next_update_at)),
    ]
    return [f"*{label}:* {value}" for label, value in rows if value]


def missing_text(missing: Sequence[str]) -> str:
    if not missing:
        return "The intake is complete."
    return "Still missing: " + ", ".join(name.replace("_", " ") for name in missing)


def saved_blocks(
    f: IntakeFields,
    *,
    revision: int,
    by: str,
    changed: Sequence[str],
    missing: Sequence[str],
    tenant_name: str | None = None,
    signature_title: str | None = None,
    lead: str | None = None,
) -> list[Block]:
    """The channel message after a save: who saved which revision, the intake, the gaps."""
    what = ", ".join(c.replace("_", " ") for c in changed) or "no changes"
    head = lead or f"*Intake revision {revision}* saved by <@{by}> ({escape(what)})"
    body = "\n".join(intake_lines(f, tenant_name=tenant_name, signature_title=signature_title))
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=shorten(head, 3000)))]
    if body:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=shorten(body, 3000))))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=missing_text(missing))]))
    return blocks
