"""chat.*: posting, updating, ephemeral messages, permalinks."""

from __future__ import annotations

import copy
from typing import Any

from ..args import Args
from ..blocks import message_blocks, with_ids
from ..errors import SlackError
from ..shapes import bot_message
from ..state import Channel, State
from .registry import api

POST_TEXT_LIMIT = 40_000
EDIT_TEXT_LIMIT = 4_000
TRUNCATED = (
    "[WARN] Your message was truncated but still posted. "
    "The text field accepts up to 40,000 characters."
)


def _attachments(args: Args) -> list[Any] | None:
    try:
        value = args.structured("attachments")
    except ValueError as exc:
        raise SlackError("invalid_attachments") from exc
    if value in (None, ""):
        return None
    if not isinstance(value, list):
        raise SlackError("invalid_attachments")
    return value


def content(
    args: Args, *, text_required: bool = True
) -> tuple[str, list[dict[str, Any]] | None, list[Any] | None]:
    """(text, blocks, attachments), validated; no_text when a message would be empty."""
    text = args.text("text")
    blocks = message_blocks(args.data.get("blocks"))
    attachments = _attachments(args)
    if text_required and not text.strip() and not blocks and not attachments:
        raise SlackError("no_text")
    return text, blocks, attachments


def may_post(state: State, channel: Channel) -> None:
    state.require_unarchived(channel)
    public = not channel.is_private and not channel.is_im
    if state.config.bot_user_id not in channel.members and not (
        public and state.config.chat_write_public
    ):
        raise SlackError("not_in_channel")


def _link_thread(channel: Channel, message: dict[str, Any]) -> None:
    parent = State.find_message(channel, message["thread_ts"])
    if parent is None or parent is message:
        return
    parent["thread_ts"] = parent["ts"]
    parent["reply_count"] = parent.get("reply_count", 0) + 1
    parent["latest_reply"] = message["ts"]
    users = parent.setdefault("reply_users", [])
    if message["user"] not in users:
        users.append(message["user"])


def append_message(
    state: State, channel: Channel, message: dict[str, Any], thread_ts: str, broadcast: bool
) -> None:
    if thread_ts:
        message["thread_ts"] = thread_ts
        if broadcast:
            message["subtype"] = "thread_broadcast"
        _link_thread(channel, message)
    channel.messages.append(message)


@api("chat.postMessage")
def post_message(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    may_post(state, channel)
    text, blocks, attachments = content(args)
    truncated = len(text) > POST_TEXT_LIMIT
    if truncated:
        text = text[:POST_TEXT_LIMIT]
    message = bot_message(state, text, _stored(state, blocks))
    if attachments:
        message["attachments"] = attachments
    if args.has("metadata"):
        try:
            message["metadata"] = args.structured("metadata")
        except ValueError as exc:
            raise SlackError("invalid_metadata_format") from exc
    append_message(state, channel, message, args.text("thread_ts"), args.flag("reply_broadcast"))
    out: dict[str, Any] = {
        "channel": channel.id,
        "ts": message["ts"],
        "message": copy.deepcopy(message),
    }
    if truncated:
        out["warning"] = "message_truncated"
        out["response_metadata"] = {"warnings": ["message_truncated"], "messages": [TRUNCATED]}
    return out


def _stored(state: State, blocks: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if not blocks:
        return None
    return with_ids(blocks, lambda: state.new_id("", 5))


def _own_message(
    state: State, args: Args, ts_arg: str, cant: str
) -> tuple[Channel, dict[str, Any]]:
    channel = state.visible_channel(args.text("channel"))
    message = state.find_message(channel, args.text(ts_arg))
    if message is None:
        raise SlackError("message_not_found")
    if message.get("user") != state.config.bot_user_id:
        raise SlackError(cant)
    return channel, message


@api("chat.update")
def update(state: State, args: Args) -> dict[str, Any]:
    channel, message = _own_message(state, args, "ts", "cant_update_message")
    state.require_unarchived(channel)
    text, blocks, attachments = content(args)
    if len(text) > EDIT_TEXT_LIMIT:
        raise SlackError("msg_too_long")
    channel.history.setdefault(message["ts"], []).append(copy.deepcopy(message))
    if args.has("text"):
        message["text"] = text
    # Slack keeps blocks that the update leaves out; an empty list removes them.
    if blocks is not None:
        if blocks:
            message["blocks"] = _stored(state, blocks)
        else:
            message.pop("blocks", None)
    if attachments is not None:
        message["attachments"] = attachments
    message["edited"] = {"user": state.config.bot_user_id, "ts": state.next_ts()}
    return {
        "channel": channel.id,
        "ts": message["ts"],
        "text": message["text"],
        "message": copy.deepcopy(message),
    }


@api("chat.delete")
def delete(state: State, args: Args) -> dict[str, Any]:
    channel, message = _own_message(state, args, "ts", "cant_delete_message")
    channel.messages.remove(message)
    return {"channel": channel.id, "ts": message["ts"]}


@api("chat.postEphemeral")
def post_ephemeral(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    may_post(state, channel)
    user_id = args.text("user")
    if state.find_user(user_id) is None:
        raise SlackError("user_not_found")
    if user_id not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks, attachments = content(args)
    if len(text) > EDIT_TEXT_LIMIT:
        raise SlackError("msg_too_long")
    message = bot_message(state, text, _stored(state, blocks))
    message["channel"] = channel.id
    message["recipient"] = user_id
    if attachments:
        message["attachments"] = attachments
    if args.has("thread_ts"):
        message["thread_ts"] = args.text("thread_ts")
    channel.ephemerals.append(message)
    return {"message_ts": message["ts"]}


@api("chat.getPermalink")
def get_permalink(state: State, args: Args) -> dict[str, Any]:
    channel = state.visible_channel(args.text("channel"))
    ts = args.text("message_ts")
    message = state.find_message(channel, ts)
    if message is None:
        raise SlackError("message_not_found")
    link = (
        f"https://{state.config.team_domain}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"
    )
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}
