"""Modal stacks, home tabs and trigger ids: the view state both the app and the user change.

The app changes it through views.* methods; the virtual user through submissions and
closes (and the app's `response_action` answers to them).
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

from .blocks import elements, view_definition, with_ids
from .errors import SlackError
from .state import State, Trigger, View

TRIGGER_FORMAT = re.compile(r"^\d+\.\d+\.[0-9a-f]+$")
TRIGGER_LIFETIME = timedelta(seconds=3)
STACK_LIMIT = 3


def issue_trigger(state: State, user_id: str) -> str:
    # Slack's shape: "<digits>.<digits>.<hex>" (views.open rejects anything else).
    serial = int(state.new_id("", 6), 36)
    digest = hashlib.sha256(f"{state.config.team_id}:{serial}".encode()).hexdigest()[:32]
    trigger_id = f"{int(state.now().timestamp())}.{serial}.{digest}"
    state.triggers[trigger_id] = Trigger(trigger_id, user_id, state.now())
    return trigger_id


def exchangeable_trigger(state: State, trigger_id: str) -> Trigger:
    """The trigger a views.open/push may use; the caller marks it used once the call succeeds."""
    if not trigger_id:
        raise SlackError(
            "invalid_arguments", messages=["[ERROR] missing required field: trigger_id"]
        )
    trigger = state.triggers.get(trigger_id)
    if trigger is None or not TRIGGER_FORMAT.match(trigger_id):
        raise SlackError("invalid_trigger_id")
    if trigger.used:
        raise SlackError("exchanged_trigger_id")
    if state.now() - trigger.issued > TRIGGER_LIFETIME:
        raise SlackError("expired_trigger_id")
    return trigger


def new_hash(state: State) -> str:
    return f"{int(state.now().timestamp())}.{state.new_id('', 8).lower()}"


def _stored_body(state: State, body: dict[str, Any]) -> dict[str, Any]:
    stored = dict(body)
    stored["blocks"] = with_ids(list(body.get("blocks") or []), lambda: state.new_id("", 5))
    return stored


def check_external_id(state: State, external_id: str | None, owner: View | None = None) -> None:
    if not external_id:
        return
    for view in state.views.values():
        if view.external_id == external_id and view is not owner:
            raise SlackError("duplicate_external_id")


def new_view(
    state: State, body: dict[str, Any], *, user_id: str, previous: View | None = None
) -> View:
    view = View(
        id=state.new_id("V"),
        kind=str(body["type"]),
        user_id=user_id,
        body=_stored_body(state, body),
        hash=new_hash(state),
        external_id=body.get("external_id") or None,
        previous_view_id=previous.id if previous else None,
    )
    view.root_view_id = previous.root_view_id if previous else view.id
    state.views[view.id] = view
    return view


def replace_body(state: State, view: View, body: dict[str, Any]) -> None:
    """New definition, new hash; input the user typed survives where block and action ids do."""
    view.body = _stored_body(state, body)
    view.hash = new_hash(state)
    view.errors = None
    view.external_id = body.get("external_id") or view.external_id
    present = {
        (block["block_id"], element.get("action_id"))
        for block in view.body["blocks"]
        for _suffix, element in elements(block)
    }
    view.values = {
        block_id: kept
        for block_id, actions in view.values.items()
        if (kept := {a: v for a, v in actions.items() if (block_id, a) in present})
    }


def open_stack(state: State, user_id: str) -> list[View]:
    return [state.views[v] for v in state.stacks.get(user_id, []) if state.views[v].open]


def start_stack(state: State, view: View) -> None:
    for old in open_stack(state, view.user_id):
        old.open = False
    state.stacks[view.user_id] = [view.id]


def push(state: State, view: View) -> None:
    state.stacks.setdefault(view.user_id, []).append(view.id)


def close(state: State, view: View) -> None:
    """The user closes (or submits) the top view; the one below it shows again."""
    view.open = False
    stack = state.stacks.get(view.user_id, [])
    if view.id in stack:
        at = stack.index(view.id)
        for closing in stack[at:]:
            state.views[closing].open = False
        del stack[at:]


def clear(state: State, user_id: str) -> None:
    for view in open_stack(state, user_id):
        view.open = False
    state.stacks[user_id] = []


def _checked(raw: Any) -> dict[str, Any]:
    try:
        return view_definition(raw, ("modal",))
    except SlackError as exc:
        raise AssertionError(
            f"the app answered a view_submission with an invalid view: {exc.code} {exc.messages}"
        ) from exc


def apply_submission_answer(state: State, view: View, status: int, data: Any) -> None:
    """What Slack does with the app's answer to a view_submission (SLACK_NOTES §5.6)."""
    if status != 200:
        return  # Slack shows the user an error and leaves the modal open
    if not data:
        close(state, view)
        return
    action = data.get("response_action") if isinstance(data, dict) else None
    if action == "errors":
        errors = data.get("errors")
        inputs = {b["block_id"] for b in view.body["blocks"] if b.get("type") == "input"}
        if not isinstance(errors, dict) or not errors or not set(errors) <= inputs:
            raise AssertionError(f"errors must name input block_ids {sorted(inputs)}: {errors!r}")
        view.errors = dict(errors)
    elif action == "update":
        replace_body(state, view, _checked(data.get("view")))
    elif action == "push":
        if len(open_stack(state, view.user_id)) >= STACK_LIMIT:
            raise AssertionError("response_action push beyond Slack's stack of 3 views")
        push(
            state, new_view(state, _checked(data.get("view")), user_id=view.user_id, previous=view)
        )
    elif action == "clear":
        clear(state, view.user_id)
    else:
        raise AssertionError(f"unknown view_submission answer: {data!r}")
