"""How Slack reports what a user did with an element: in `state.values` and in `actions`.

One row per stateful element type: the key its value travels under, the key of its
initial value, and the empty value Slack sends when nothing was chosen.
"""

from __future__ import annotations

import copy
from typing import Any

from .blocks import elements

# type -> (value key, initial key, empty value)
SHAPES: dict[str, tuple[str, str, Any]] = {
    "plain_text_input": ("value", "initial_value", None),
    "email_text_input": ("value", "initial_value", None),
    "url_text_input": ("value", "initial_value", None),
    "number_input": ("value", "initial_value", None),
    "rich_text_input": ("rich_text_value", "initial_value", None),
    "static_select": ("selected_option", "initial_option", None),
    "external_select": ("selected_option", "initial_option", None),
    "radio_buttons": ("selected_option", "initial_option", None),
    "multi_static_select": ("selected_options", "initial_options", []),
    "multi_external_select": ("selected_options", "initial_options", []),
    "checkboxes": ("selected_options", "initial_options", []),
    "users_select": ("selected_user", "initial_user", None),
    "multi_users_select": ("selected_users", "initial_users", []),
    "conversations_select": ("selected_conversation", "initial_conversation", None),
    "multi_conversations_select": ("selected_conversations", "initial_conversations", []),
    "channels_select": ("selected_channel", "initial_channel", None),
    "multi_channels_select": ("selected_channels", "initial_channels", []),
    "datepicker": ("selected_date", "initial_date", None),
    "timepicker": ("selected_time", "initial_time", None),
    "datetimepicker": ("selected_date_time", "initial_date_time", None),
}
OPTION_TYPES = {"static_select", "radio_buttons", "overflow", "multi_static_select", "checkboxes"}
EXTERNAL_TYPES = {"external_select", "multi_external_select"}


def located(blocks: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) for every element that has an action_id."""
    return [(b, e) for b in blocks for _s, e in elements(b) if e.get("action_id")]


def find(
    blocks: list[dict[str, Any]], action_id: str, block_id: str | None, where: str
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    found = [
        (b, e)
        for b, e in located(blocks)
        if e["action_id"] == action_id and block_id in (None, b.get("block_id"))
    ]
    if not found:
        have = sorted({f"{b.get('block_id')}.{e['action_id']}" for b, e in located(blocks)})
        raise AssertionError(f"no element with action_id {action_id!r} in {where}; it has {have}")
    return found


def options(element: dict[str, Any]) -> list[dict[str, Any]]:
    flat = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        flat.extend(group.get("options") or [])
    return flat


def option(element: dict[str, Any], value: Any) -> dict[str, Any]:
    wanted = value.get("value") if isinstance(value, dict) else value
    for candidate in options(element):
        if candidate.get("value") == wanted:
            return copy.deepcopy(candidate)
    offered = [o.get("value") for o in options(element)]
    raise AssertionError(
        f"{wanted!r} is not an option of {element['action_id']!r}; options: {offered}"
    )


def _external(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}


def _rich_text(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": value}]}
    return {"type": "rich_text", "elements": [section]}


def chosen(element: dict[str, Any], value: Any) -> Any:
    """The user's choice in Slack's shape for this element (options looked up, not invented)."""
    kind = element["type"]
    multi = kind.startswith("multi_") or kind == "checkboxes"
    if multi and not isinstance(value, list | tuple):
        raise AssertionError(f"{element['action_id']!r} ({kind}) takes a list, got {value!r}")
    if kind in OPTION_TYPES:
        return [option(element, v) for v in value] if multi else option(element, value)
    if kind in EXTERNAL_TYPES:
        return [_external(v) for v in value] if multi else _external(value)
    if kind == "rich_text_input":
        return _rich_text(value)
    if kind == "datetimepicker":
        return int(value)
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        value = str(value)
        limit = element.get("max_length")
        if limit is not None and len(value) > int(limit):
            raise AssertionError(f"Slack will not let a user type {len(value)} > {limit} chars")
    return list(value) if multi else value


def state_value(element: dict[str, Any], value: Any) -> dict[str, Any]:
    key, _initial, _empty = SHAPES[element["type"]]
    return {"type": element["type"], key: chosen(element, value)}


def initial_state_value(element: dict[str, Any]) -> dict[str, Any]:
    """What Slack reports for an element the user did not touch: its initial value, or empty."""
    key, initial, empty = SHAPES[element["type"]]
    return {"type": element["type"], key: copy.deepcopy(element.get(initial, empty))}


def is_empty(value: dict[str, Any]) -> bool:
    payload = [v for k, v in value.items() if k != "type"]
    return not payload or payload[0] in (None, "", [])


def action(
    block: dict[str, Any], element: dict[str, Any], value: Any, action_ts: str
) -> dict[str, Any]:
    """One entry of a block_actions payload's `actions`."""
    kind = element["type"]
    out: dict[str, Any] = {
        "action_id": element["action_id"],
        "block_id": block["block_id"],
        "type": kind,
        "action_ts": action_ts,
    }
    if kind in ("button", "workflow_button"):
        if value is not None and value != element.get("value"):
            raise AssertionError(
                f"button {element['action_id']!r} has value {element.get('value')!r}, not {value!r}"
            )
        out["text"] = copy.deepcopy(element.get("text"))
        if "value" in element:
            out["value"] = element["value"]
        if "style" in element:
            out["style"] = element["style"]
    elif kind == "overflow":
        out["selected_option"] = option(element, value)
    elif kind in SHAPES:
        if value is None:
            raise AssertionError(f"choose a value for {element['action_id']!r} ({kind})")
        out.update(state_value(element, value))
    return out


def _given_key(given: dict[str, Any], block_id: str, action_id: str) -> str | None:
    for key in (f"{block_id}.{action_id}", action_id):
        if key in given:
            return key
    return None


def view_state(
    blocks: list[dict[str, Any]],
    current: dict[str, dict[str, Any]],
    given: dict[str, Any],
    *,
    strict: bool = True,
) -> dict[str, dict[str, Any]]:
    """`view.state.values` after the user fills `given` (action_id or "block_id.action_id").

    Untouched elements keep what the user entered before, else their initial value, else
    Slack's empty value. With `strict`, refuse what Slack's client would not let a user
    submit: a required input left empty, or a value for an element that is not there.
    """
    values: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    stateful = [(b, e) for b, e in located(blocks) if e.get("type") in SHAPES]
    for block, element in stateful:
        block_id, action_id = block["block_id"], element["action_id"]
        key = _given_key(given, block_id, action_id)
        if key == action_id and sum(e["action_id"] == action_id for _b, e in stateful) > 1:
            raise AssertionError(
                f"action_id {action_id!r} is in several blocks: use block_id.action_id"
            )
        if key is not None:
            value = state_value(element, given[key])
            used.add(key)
        elif action_id in current.get(block_id, {}):
            value = copy.deepcopy(current[block_id][action_id])
        else:
            value = initial_state_value(element)
        values.setdefault(block_id, {})[action_id] = value
        required = block.get("type") == "input" and not block.get("optional", False)
        if strict and required and is_empty(value):
            label = (block.get("label") or {}).get("text", "")
            raise AssertionError(
                f"required input {block_id}.{action_id} ({label!r}) is empty: Slack blocks submit"
            )
    unknown = set(given) - used
    if unknown:
        have = sorted(f"{b['block_id']}.{e['action_id']}" for b, e in stateful)
        raise AssertionError(f"no input for {sorted(unknown)} in the view; it has {have}")
    return values
