"""files.getUploadURLExternal / files.completeUploadExternal, and the upload in between.

Slack's external upload is three steps: ask for an upload URL, POST the bytes to it (no
token; the URL is the credential), then complete the upload, which shares the file into a
channel as a message with `files`. The fake's upload URL is `<root>/upload/<file id>`,
served by server.py through `receive`.
"""

from __future__ import annotations

import copy
from typing import Any

from ..args import Args
from ..errors import SlackError
from ..shapes import bot_message
from ..state import State
from .chat import append_message, may_post
from .registry import api


@api("files.getUploadURLExternal")
def get_upload_url(state: State, args: Args) -> dict[str, Any]:
    filename = args.require("filename")
    length = args.number("length", -1)
    if length < 0:
        raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: length"])
    file_id = state.new_id("F", 10)
    state.files[file_id] = {
        "id": file_id,
        "name": filename,
        "title": filename,
        "length": length,
        "content": None,  # bytes, once uploaded
        "channels": [],
        "created": int(state.now().timestamp()),
    }
    return {"upload_url": f"{state.root_url}/upload/{file_id}", "file_id": file_id}


def receive(state: State, file_id: str, body: bytes) -> tuple[int, str]:
    """The POST to an upload URL: (HTTP status, plain-text answer)."""
    record = state.files.get(file_id)
    if record is None:
        return 404, "not found"
    record["content"] = bytes(body)
    return 200, f"OK - {len(body)}"


def _public(record: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in record.items() if k != "content"}
    shown["size"] = len(record["content"] or b"")
    return copy.deepcopy(shown)


@api("files.completeUploadExternal")
def complete_upload(state: State, args: Args) -> dict[str, Any]:
    try:
        wanted = args.structured("files")
    except ValueError as exc:
        raise SlackError("invalid_arguments", messages=["[ERROR] files must be JSON"]) from exc
    if not isinstance(wanted, list) or not wanted:
        raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: files"])
    records = []
    for item in wanted:
        record = state.files.get(str((item or {}).get("id") or ""))
        if record is None or record["content"] is None:
            raise SlackError("file_not_found")  # unknown, or its bytes never arrived [inf]
        records.append((record, item))
    channel_ref = args.text("channel_id") or (args.ids("channels") or [""])[0]
    channel = state.visible_channel(channel_ref) if channel_ref else None
    if channel is not None:
        may_post(state, channel)
    for record, item in records:
        if item.get("title"):
            record["title"] = str(item["title"])
    if channel is not None:
        message = bot_message(state, args.text("initial_comment"), None)
        message["files"] = [_public(r) for r, _ in records]
        message["upload"] = True
        append_message(state, channel, message, args.text("thread_ts"), broadcast=False)
        for record, _ in records:
            record["channels"].append(channel.id)
    return {"files": [{"id": r["id"], "title": r["title"]} for r, _ in records]}
