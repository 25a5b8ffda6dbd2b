"""conversations.*: channel names, membership, topic/purpose, archive, DMs, history."""

from __future__ import annotations

import base64
import copy
import re
from typing import Any

from ..args import Args
from ..errors import SlackError
from ..shapes import channel_json
from ..state import Channel, State
from .registry import api

CHANNEL_NAME = re.compile(r"^[a-z0-9_-]+$")
TOPIC_LIMIT = 250


def check_channel_name(name: str) -> None:
    """Slack validates names and never fixes them: lowercase, digits, "-" and "_", ≤80."""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > 80:
        raise SlackError("invalid_name_maxlength")
    if not CHANNEL_NAME.match(name):
        raise SlackError("invalid_name_specials")
    if not name.strip("-_"):
        raise SlackError("invalid_name_punctuation")


def new_channel(state: State, name: str, *, is_private: bool, members: list[str]) -> Channel:
    channel = Channel(
        id=state.new_id("C"),
        name=name,
        is_private=is_private,
        created=int(state.now().timestamp()),
        creator=state.config.bot_user_id,
        members=list(dict.fromkeys(members)),
    )
    state.channels[channel.id] = channel
    return channel


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(cursor).decode().removeprefix("offset:"))
    except ValueError as exc:
        raise SlackError("invalid_cursor") from exc


def _page(items: list[Any], args: Args, key: str) -> dict[str, Any]:
    start = _offset(args.text("cursor"))
    limit = args.number("limit", 100) or 100
    page = items[start : start + limit]
    more = start + limit < len(items)
    return {key: page, "response_metadata": {"next_cursor": _cursor(start + limit) if more else ""}}


@api("conversations.create")
def create(state: State, args: Args) -> dict[str, Any]:
    name = args.text("name")
    check_channel_name(name)
    # Archived channels keep their names: name_taken for them too.
    if state.channel_by_name(name) is not None:
        raise SlackError("name_taken")
    channel = new_channel(
        state, name, is_private=args.flag("is_private"), members=[state.config.bot_user_id]
    )
    return {"channel": channel_json(state, channel)}


@api("conversations.invite")
def invite(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    if channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    state.require_unarchived(channel)
    state.require_member(channel)
    users = list(dict.fromkeys(args.ids("users")))
    if not users:
        raise SlackError("no_user")
    errors: list[dict[str, Any]] = []
    valid: list[str] = []
    for user_id in users:
        user = state.find_user(user_id)
        if user_id == state.config.bot_user_id:
            code = "cant_invite_self"
        elif user is None or user.deleted:
            code = "user_not_found"
        elif user_id in channel.members:
            code = "already_in_channel"
        else:
            valid.append(user_id)
            continue
        errors.append({"user": user_id, "ok": False, "error": code})
    # Without force one bad id fails the whole call; with force the valid ones get in.
    if errors and not (args.flag("force") and valid):
        raise SlackError(errors[0]["error"], errors=errors)
    channel.members.extend(valid)
    out: dict[str, Any] = {"channel": channel_json(state, channel)}
    if errors:
        out["errors"] = errors
    return out


def _set_text(state: State, args: Args, field: str) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    state.require_unarchived(channel)
    state.require_member(channel)
    value = args.text(field)
    if len(value) > TOPIC_LIMIT:
        raise SlackError("too_long")
    record = {
        "value": value,
        "creator": state.config.bot_user_id,
        "last_set": int(state.now().timestamp()),
    }
    setattr(channel, field, record)
    return {"channel": channel_json(state, channel)}


@api("conversations.setTopic")
def set_topic(state: State, args: Args) -> dict[str, Any]:
    return _set_text(state, args, "topic")


@api("conversations.setPurpose")
def set_purpose(state: State, args: Args) -> dict[str, Any]:
    return _set_text(state, args, "purpose")


@api("conversations.archive")
def archive(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    if channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("already_archived")
    state.require_member(channel)
    channel.is_archived = True
    return {}


@api("conversations.unarchive")
def unarchive(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    if not channel.is_archived:
        raise SlackError("not_archived")
    state.require_member(channel)
    channel.is_archived = False
    return {}


@api("conversations.info")
def info(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    return {"channel": channel_json(state, channel, num_members=args.flag("include_num_members"))}


@api("conversations.members")
def members(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    return _page(list(channel.members), args, "members")


@api("conversations.join")
def join(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    if channel.is_im or channel.is_private:
        raise SlackError("method_not_supported_for_channel_type")
    state.require_unarchived(channel)
    out: dict[str, Any] = {}
    if state.config.bot_user_id in channel.members:
        out["warning"] = "already_in_channel"
        out["response_metadata"] = {"warnings": ["already_in_channel"]}
    else:
        channel.members.append(state.config.bot_user_id)
    out["channel"] = channel_json(state, channel)
    return out


@api("conversations.open")
def open_(state: State, args: Args) -> dict[str, Any]:
    users = [u for u in dict.fromkeys(args.ids("users")) if u != state.config.bot_user_id]
    if args.has("channel"):
        channel = state.visible_channel(args.text("channel"))
    elif not users:
        raise SlackError("users_list_not_supplied")
    else:
        for user_id in users:
            if state.find_user(user_id) is None:
                raise SlackError("user_not_found")
        if len(users) == 1:
            channel = state.im_for(users[0])
        else:
            channel = _mpim(state, users)
    if args.flag("return_im"):
        return {"channel": channel_json(state, channel)}
    return {"channel": {"id": channel.id}}


def _mpim(state: State, users: list[str]) -> Channel:
    members = sorted([state.config.bot_user_id, *users])
    for channel in state.channels.values():
        if channel.is_mpim and sorted(channel.members) == members:
            return channel
    names = "--".join(state.users[u].name for u in members)
    channel = new_channel(state, f"mpdm-{names}-1", is_private=True, members=members)
    channel.is_mpim = True
    return channel


@api("conversations.history")
def history(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    state.require_member(channel)
    # Thread replies stay out of history unless they were broadcast to the channel.
    top = [
        copy.deepcopy(m)
        for m in reversed(channel.messages)
        if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
    ]
    out = _page(top, args, "messages")
    out["has_more"] = bool(out["response_metadata"]["next_cursor"])
    return out


@api("conversations.replies")
def replies(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    state.require_member(channel)
    ts = args.text("ts")
    parent = state.find_message(channel, ts)
    if parent is None:
        raise SlackError("thread_not_found")
    thread = [
        copy.deepcopy(m) for m in channel.messages if m["ts"] == ts or m.get("thread_ts") == ts
    ]
    out = _page(thread, args, "messages")
    out["has_more"] = bool(out["response_metadata"]["next_cursor"])
    return out
