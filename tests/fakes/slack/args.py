"""Request arguments: merged from the query string, a form body and a JSON body.

AsyncWebClient sends most methods as POSTs with the arguments in the query string and an
empty form body, chat.* and views.* as JSON; the sync WebClient posts form bodies. Slack
accepts all of them, so the fake merges all three (body wins over query).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from .errors import SlackError

# Arguments that are structured but travel as JSON strings inside form bodies.
JSON_ARGS = ("blocks", "view", "attachments", "metadata")


def merge_args(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body.strip():
        return args
    if media_type == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError as exc:
            raise SlackError("invalid_json") from exc
        if not isinstance(decoded, dict):
            raise SlackError("json_not_object")
        args.update(decoded)
    elif media_type in ("application/x-www-form-urlencoded", ""):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SlackError("invalid_form_data") from exc
        args.update(parse_qsl(text, keep_blank_values=True))
    else:
        # multipart (files.upload) is not something crebot sends; say so instead of guessing.
        raise SlackError("invalid_form_data", messages=[f"[ERROR] fake cannot parse {media_type}"])
    return args


def readable(args: dict[str, Any]) -> dict[str, Any]:
    """A copy for the request log: token dropped, JSON-string arguments decoded when valid."""
    out = {k: v for k, v in args.items() if k != "token"}
    for key in JSON_ARGS:
        value = out.get(key)
        if isinstance(value, str):
            try:
                out[key] = json.loads(value)
            except ValueError:
                pass
    return out


class Args:
    """Typed reads over the merged arguments, tolerant of how each client encodes values."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def has(self, name: str) -> bool:
        return self.data.get(name) not in (None, "")

    def text(self, name: str, default: str = "") -> str:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else str(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        # The SDK turns booleans into "1"/"0"; people also send "true"/"false".
        return str(value).strip().lower() in ("1", "true", "yes")

    def number(self, name: str, default: int) -> int:
        value = self.data.get(name)
        if value in (None, ""):
            return default
        try:
            return int(str(value))
        except ValueError as exc:
            raise SlackError(
                "invalid_arguments", messages=[f"[ERROR] {name} must be an integer"]
            ) from exc

    def ids(self, name: str) -> list[str]:
        """Comma-joined ids (what the SDK sends for lists), or a real JSON list."""
        value = self.data.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]

    def structured(self, name: str) -> Any:
        """A JSON argument: arrays/objects from JSON bodies, JSON strings from forms.

        Raises ValueError when a string is not JSON, so callers pick the Slack error code.
        """
        value = self.data.get(name)
        if isinstance(value, str):
            return json.loads(value)
        return value

    def require(self, name: str) -> str:
        if not self.has(name):
            raise SlackError(
                "invalid_arguments",
                messages=[f"[ERROR] missing required field: {name}"],
            )
        return self.text(name)
