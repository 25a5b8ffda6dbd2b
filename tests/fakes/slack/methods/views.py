"""views.open / push / update / publish."""

from __future__ import annotations

from typing import Any

from .. import view_stack
from ..args import Args
from ..blocks import view_definition
from ..errors import SlackError
from ..shapes import view_json
from ..state import State, View
from .registry import api


@api("views.open")
def views_open(state: State, args: Args) -> dict[str, Any]:
    trigger = view_stack.exchangeable_trigger(state, args.text("trigger_id"))
    body = view_definition(args.data.get("view"), ("modal",))
    view_stack.check_external_id(state, body.get("external_id"))
    trigger.used = True
    view = view_stack.new_view(state, body, user_id=trigger.user_id)
    view_stack.start_stack(state, view)
    return {"view": view_json(state, view)}


@api("views.push")
def views_push(state: State, args: Args) -> dict[str, Any]:
    trigger = view_stack.exchangeable_trigger(state, args.text("trigger_id"))
    body = view_definition(args.data.get("view"), ("modal",))
    view_stack.check_external_id(state, body.get("external_id"))
    stack = view_stack.open_stack(state, trigger.user_id)
    if len(stack) >= view_stack.STACK_LIMIT:
        raise SlackError("push_limit_reached")
    trigger.used = True
    view = view_stack.new_view(
        state, body, user_id=trigger.user_id, previous=stack[-1] if stack else None
    )
    view_stack.push(state, view)
    return {"view": view_json(state, view)}


def _target(state: State, args: Args) -> View:
    view_id, external_id = args.text("view_id"), args.text("external_id")
    if not view_id and not external_id:
        raise SlackError(
            "invalid_arguments", messages=["[ERROR] missing required field: view_id or external_id"]
        )
    for view in state.views.values():
        if view.open and (view.id == view_id or (external_id and view.external_id == external_id)):
            return view
    raise SlackError("not_found")


@api("views.update")
def views_update(state: State, args: Args) -> dict[str, Any]:
    view = _target(state, args)
    if args.has("hash") and args.text("hash") != view.hash:
        raise SlackError("hash_conflict")
    body = view_definition(args.data.get("view"), (view.kind,))
    view_stack.check_external_id(state, body.get("external_id"), owner=view)
    view_stack.replace_body(state, view, body)
    return {"view": view_json(state, view)}


@api("views.publish")
def views_publish(state: State, args: Args) -> dict[str, Any]:
    user_id = args.require("user_id")
    if state.find_user(user_id) is None:
        raise SlackError("user_not_found")
    body = view_definition(args.data.get("view"), ("home",))
    home = state.views.get(state.homes.get(user_id, ""))
    if home is not None and args.has("hash") and args.text("hash") != home.hash:
        raise SlackError("hash_conflict")
    view_stack.check_external_id(state, body.get("external_id"), owner=home)
    if home is None:
        home = view_stack.new_view(state, body, user_id=user_id)
        state.homes[user_id] = home.id
    else:
        view_stack.replace_body(state, home, body)
    return {"view": view_json(state, home)}
