"""The JSON shapes Slack answers with (keys after java-slack-sdk's json-logs samples)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .state import Channel, State, User, View


def channel_json(state: State, channel: Channel, *, num_members: bool = False) -> dict[str, Any]:
    if channel.is_im:
        return {
            "id": channel.id,
            "created": channel.created,
            "is_im": True,
            "is_org_shared": False,
            "user": channel.im_user,
            "is_user_deleted": False,
            "priority": 0,
        }
    out: dict[str, Any] = {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": not channel.is_private and not channel.is_mpim,
        "is_group": channel.is_private and not channel.is_mpim,
        "is_im": False,
        "is_mpim": channel.is_mpim,
        "is_private": channel.is_private,
        "created": channel.created,
        "creator": channel.creator,
        "is_archived": channel.is_archived,
        "is_general": False,
        "is_shared": False,
        "is_ext_shared": False,
        "is_org_shared": False,
        "is_member": state.config.bot_user_id in channel.members,
        "context_team_id": state.config.team_id,
        "topic": dict(channel.topic),
        "purpose": dict(channel.purpose),
        "previous_names": [],
    }
    if num_members:
        out["num_members"] = len(channel.members)
    return out


def _tz_offset(tz: str, now: datetime) -> int:
    try:
        offset = now.astimezone(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset else 0


def user_json(state: State, user: User) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "real_name": user.real_name,
        "display_name": user.name,
        "real_name_normalized": user.real_name,
        "display_name_normalized": user.name,
        "team": state.config.team_id,
    }
    if user.email:
        profile["email"] = user.email
    if user.is_bot:
        profile["bot_id"] = state.config.bot_id
    return {
        "id": user.id,
        "team_id": state.config.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": user.tz,
        "tz_offset": _tz_offset(user.tz, state.now()),
        "is_admin": False,
        "is_owner": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": int(state.now().timestamp()),
        "profile": profile,
    }


def view_json(state: State, view: View) -> dict[str, Any]:
    body = view.body
    out: dict[str, Any] = {
        "id": view.id,
        "team_id": state.config.team_id,
        "type": view.kind,
        "blocks": copy.deepcopy(body.get("blocks", [])),
        "private_metadata": body.get("private_metadata", ""),
        "callback_id": body.get("callback_id", ""),
        "state": {"values": copy.deepcopy(view.values)},
        "hash": view.hash,
        "clear_on_close": bool(body.get("clear_on_close", False)),
        "notify_on_close": bool(body.get("notify_on_close", False)),
        "root_view_id": view.root_view_id or view.id,
        "previous_view_id": view.previous_view_id,
        "app_id": state.config.app_id,
        "external_id": view.external_id or "",
        "app_installed_team_id": state.config.team_id,
        "bot_id": state.config.bot_id,
    }
    for key in ("title", "submit", "close"):
        out[key] = copy.deepcopy(body.get(key))
    return out


def bot_message(
    state: State, args_text: str, blocks: list[dict[str, Any]] | None
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "message",
        "user": state.config.bot_user_id,
        "bot_id": state.config.bot_id,
        "app_id": state.config.app_id,
        "team": state.config.team_id,
        "text": args_text,
        "ts": state.next_ts(),
    }
    if blocks is not None:
        message["blocks"] = blocks
    return message
