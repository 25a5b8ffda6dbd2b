"""Things attached to messages and channels: pins, bookmarks, reactions."""

from __future__ import annotations

import copy
import re
from typing import Any

from ..args import Args
from ..errors import SlackError
from ..state import Channel, State
from .registry import api

EMOJI_NAME = re.compile(r"^[a-z0-9_+'-]+$")


def _message(state: State, channel: Channel, ts: str) -> dict[str, Any]:
    if not ts:
        raise SlackError("no_item_specified")
    message = state.find_message(channel, ts)
    if message is None:
        raise SlackError("message_not_found")
    return message


@api("pins.add")
def pins_add(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    state.require_member(channel)
    ts = args.text("timestamp")
    message = _message(state, channel, ts)
    if any(pin["ts"] == ts for pin in channel.pins):
        raise SlackError("already_pinned")
    channel.pins.append(
        {"ts": ts, "created": int(state.now().timestamp()), "created_by": state.config.bot_user_id}
    )
    message["pinned_to"] = [channel.id]
    return {}


@api("pins.remove")
def pins_remove(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    state.require_member(channel)
    ts = args.text("timestamp")
    message = _message(state, channel, ts)
    pin = next((p for p in channel.pins if p["ts"] == ts), None)
    if pin is None:
        raise SlackError("no_pin")
    channel.pins.remove(pin)
    message.pop("pinned_to", None)
    return {}


@api("pins.list")
def pins_list(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    items = []
    for pin in channel.pins:
        message = state.find_message(channel, pin["ts"])
        items.append(
            {
                "type": "message",
                "channel": channel.id,
                "created": pin["created"],
                "created_by": pin["created_by"],
                "message": copy.deepcopy(message),
            }
        )
    return {"items": items}


@api("bookmarks.add")
def bookmarks_add(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel_id"))
    state.require_unarchived(channel)
    title = args.require("title")
    kind = args.require("type")
    if kind != "link":
        raise SlackError("invalid_bookmark_type")
    link = args.text("link")
    if not link.startswith(("http://", "https://")):
        raise SlackError("invalid_link")
    now = int(state.now().timestamp())
    bookmark = {
        "id": state.new_id("Bk"),
        "channel_id": channel.id,
        "title": title,
        "link": link,
        "emoji": args.text("emoji") or None,
        "icon_url": None,
        "type": "link",
        "entity_id": None,
        "date_created": now,
        "date_updated": 0,
        "rank": f"{len(channel.bookmarks):04d}",
        "last_updated_by_user_id": state.config.bot_user_id,
        "last_updated_by_team_id": state.config.team_id,
        "shortcut_id": None,
        "app_id": None,
    }
    channel.bookmarks.append(bookmark)
    return {"bookmark": copy.deepcopy(bookmark)}


@api("bookmarks.list")
def bookmarks_list(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel_id"))
    return {"bookmarks": copy.deepcopy(channel.bookmarks)}


def add_reaction(message: dict[str, Any], name: str, user_id: str) -> None:
    """Record a reaction the way Slack shows it on the message (also used for human users)."""
    name = name.strip(":")
    if not EMOJI_NAME.match(name):
        raise SlackError("invalid_name")
    reactions = message.setdefault("reactions", [])
    entry = next((r for r in reactions if r["name"] == name), None)
    if entry is None:
        entry = {"name": name, "users": [], "count": 0}
        reactions.append(entry)
    if user_id in entry["users"]:
        raise SlackError("already_reacted")
    entry["users"].append(user_id)
    entry["count"] = len(entry["users"])


@api("reactions.add")
def reactions_add(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    state.require_unarchived(channel)
    message = _message(state, channel, args.text("timestamp"))
    add_reaction(message, args.require("name"), state.config.bot_user_id)
    return {}
