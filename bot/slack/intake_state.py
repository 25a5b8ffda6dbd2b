"""What the intake modal carries and gives back: its ids, its private_metadata, its state.

Block ids are the form's field names (bot/intake/form.py), some with a digest suffix (see
bot/slack/intake_modal.py), so a submitted view reads back into an `IntakeForm` and an
error for a form field finds the input block that holds it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from bot.intake import form as F
from bot.intake.form import IntakeForm
from bot.intake.submit import Mode
from bot.slack import ids


@dataclass(frozen=True)
class Meta:
    """The modal's private_metadata: ids only, never the content."""

    mode: Mode
    incident_id: int | None = None
    channel: str | None = None  # where the person started (a command's or message's channel)
    message_ts: str | None = None  # the message a shortcut was used on

    def dump(self) -> str:
        data = {
            "m": self.mode.value,
            "i": self.incident_id,
            "c": self.channel,
            "t": self.message_ts,
        }
        return json.dumps({k: v for k, v in data.items() if v is not None}, separators=(",", ":"))

    @classmethod
    def load(cls, raw: str | None) -> Meta:
        data = json.loads(raw or "{}")
        incident_id = data.get("i")
        return cls(
            Mode(data.get("m", Mode.INCIDENT.value)),
            int(incident_id) if incident_id is not None else None,
            data.get("c"),
            data.get("t"),
        )


def action_id(name: str) -> str:
    return f"{ids.INTAKE_PREFIX}{name}"


def block_id(name: str, *depends_on: str | None) -> str:
    """`name`, plus a digest of the values the block's content depends on (see above)."""
    if not depends_on:
        return name
    digest = hashlib.sha1("|".join(d or "" for d in depends_on).encode()).hexdigest()[:8]
    return f"{name}.{digest}"


def field_name(block: str) -> str:
    """The form field a block_id belongs to."""
    return block.split(".", 1)[0]


def read_state(values: dict[str, dict[str, Any]]) -> IntakeForm:
    """`view.state.values` (block_id → action_id → value) as a form."""
    known = set(IntakeForm.names())
    found: dict[str, str | None] = {}
    for block, actions in values.items():
        name = field_name(block)
        if name not in known:
            continue
        for value in actions.values():
            found[name] = _value_of(value)
    return IntakeForm(**found)


def read_view(view: dict[str, Any]) -> IntakeForm:
    """The form as a view shows it: what the person entered (`state.values`) over what
    crebot filled in. Inputs nobody touched may be left out of a block_actions payload's
    state, so their initial values are read from the blocks."""
    initial: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") if block.get("type") == "input" else None
        if not isinstance(element, dict) or not block.get("block_id"):
            continue
        value = {
            "selected_option": element.get("initial_option"),
            "selected_date": element.get("initial_date"),
            "selected_time": element.get("initial_time"),
            "value": element.get("initial_value"),
        }
        kept = {k: v for k, v in value.items() if v is not None}
        initial[block["block_id"]] = {str(element.get("action_id")): kept}
    entered = (view.get("state") or {}).get("values") or {}
    return read_state({**initial, **entered})


def _value_of(value: dict[str, Any]) -> str | None:
    for key in ("selected_date", "selected_time", "value"):
        if key in value:
            return value[key]
    option = value.get("selected_option")
    return option.get("value") if isinstance(option, dict) else None


def error_blocks(view_blocks: list[dict[str, Any]], errors: dict[str, str]) -> dict[str, str]:
    """Errors by form field → errors by the block_ids of the view the person submitted.

    Slack accepts errors only for input blocks that exist; a field without one (the region
    of a modal that never showed it) reports on the input that decides it.
    """
    by_field = {
        field_name(b["block_id"]): b["block_id"]
        for b in view_blocks
        if b.get("type") == "input" and b.get("block_id")
    }
    out: dict[str, str] = {}
    fallback = {F.REGION: F.SCOPE, F.REPORTED_TIME: F.REPORTED_DATE}
    for name, message in errors.items():
        target = by_field.get(name) or by_field.get(fallback.get(name, ""))
        if target is None:
            target = next(iter(by_field.values()))
        out.setdefault(target, message)
    return out
