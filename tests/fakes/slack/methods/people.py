"""auth.test, users.*, usergroups.users.list, apps.connections.open."""

from __future__ import annotations

from typing import Any

from ..args import Args
from ..errors import SlackError
from ..shapes import user_json
from ..state import State
from .registry import api


@api("auth.test")
def auth_test(state: State, args: Args) -> dict[str, Any]:
    config = state.config
    return {
        "url": f"https://{config.team_domain}.slack.com/",
        "team": config.team_name,
        "user": state.users[config.bot_user_id].name,
        "team_id": config.team_id,
        "user_id": config.bot_user_id,
        "bot_id": config.bot_id,
        "app_id": config.app_id,
        "is_enterprise_install": False,
    }


@api("users.info")
def users_info(state: State, args: Args) -> dict[str, Any]:
    user = state.find_user(args.text("user"))
    if user is None:
        raise SlackError("user_not_found")
    return {"user": user_json(state, user)}


@api("users.lookupByEmail")
def users_lookup_by_email(state: State, args: Args) -> dict[str, Any]:
    email = args.text("email").strip().lower()
    for user in state.users.values():
        if user.email and user.email.lower() == email and not user.deleted:
            return {"user": user_json(state, user)}
    # Plural, unlike users.info.
    raise SlackError("users_not_found")


@api("usergroups.users.list")
def usergroups_users_list(state: State, args: Args) -> dict[str, Any]:
    group = args.text("usergroup")
    if group not in state.usergroups:
        raise SlackError("no_such_subteam")
    return {"users": list(state.usergroups[group])}


@api("apps.connections.open")
def apps_connections_open(state: State, args: Args) -> dict[str, Any]:
    # Needs an app-level xapp- token; the fake only knows the bot token, and
    # Socket Mode is not something it serves.
    raise SlackError("not_allowed_token_type")
