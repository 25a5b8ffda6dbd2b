"""`response_url`s: where slash commands and message actions let the app answer.

Slack allows 5 answers within 30 minutes per URL [3p]; the codes for breaking that
(`used_url`, `expired_url`) are the ones Slack's webhooks use [inf].
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

from .blocks import message_blocks, with_ids
from .errors import SlackError
from .methods.chat import POST_TEXT_LIMIT, append_message
from .shapes import bot_message
from .state import Channel, ResponseTarget, State

ANSWER_LIMIT = 5
LIFETIME = timedelta(minutes=30)


def new_target(
    state: State, channel_id: str, user_id: str, message_ts: str | None, is_ephemeral: bool
) -> str:
    token = state.new_id("R", 12)
    state.response_targets[token] = ResponseTarget(
        token, channel_id, user_id, message_ts, is_ephemeral, state.now()
    )
    return token


def _decode(body: bytes, content_type: str) -> dict[str, Any]:
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            data = json.loads(dict(parse_qsl(body.decode()))["payload"])
        else:
            data = json.loads(body)
    except (ValueError, KeyError) as exc:
        raise SlackError("invalid_payload") from exc
    if not isinstance(data, dict):
        raise SlackError("invalid_payload")
    return data


def _original(channel: Channel, target: ResponseTarget) -> dict[str, Any]:
    pool = channel.ephemerals if target.is_ephemeral else channel.messages
    for message in pool:
        if message["ts"] == target.message_ts:
            return message
    raise SlackError("message_not_found")


def answer(state: State, token: str, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
    target = state.response_targets.get(token)
    if target is None or state.now() - target.created > LIFETIME:
        return 404, {"ok": False, "error": "expired_url"}
    if len(target.bodies) >= ANSWER_LIMIT:
        return 404, {"ok": False, "error": "used_url"}
    try:
        data = _decode(body, content_type)
    except SlackError as exc:
        return 400, exc.body()
    target.bodies.append(data)
    try:
        _apply(state, target, data)
    except SlackError as exc:
        return 200, exc.body()
    return 200, {"ok": True}


def _apply(state: State, target: ResponseTarget, data: dict[str, Any]) -> None:
    channel = state.channels.get(target.channel_id)
    if channel is None:
        raise SlackError("channel_not_found")
    if data.get("delete_original"):
        original = _original(channel, target)
        (channel.ephemerals if target.is_ephemeral else channel.messages).remove(original)
        return
    text = str(data.get("text") or "")[:POST_TEXT_LIMIT]
    blocks = message_blocks(data.get("blocks"))
    if not text.strip() and not blocks:
        raise SlackError("no_text")
    stored = with_ids(blocks, lambda: state.new_id("", 5)) if blocks else None
    if data.get("replace_original"):
        original = _original(channel, target)
        channel.history.setdefault(original["ts"], []).append(copy.deepcopy(original))
        original["text"] = text
        if stored is None:
            original.pop("blocks", None)
        else:
            original["blocks"] = stored
        original["edited"] = {"user": state.config.bot_user_id, "ts": state.next_ts()}
        return
    message = bot_message(state, text, stored)
    thread_ts = str(data.get("thread_ts") or "")
    if data.get("response_type") == "in_channel":
        append_message(state, channel, message, thread_ts, broadcast=False)
    else:
        message["channel"] = channel.id
        message["recipient"] = target.user_id
        if thread_ts:
            message["thread_ts"] = thread_ts
        channel.ephemerals.append(message)
