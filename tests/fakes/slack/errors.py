"""The one way a fake Web API method says no: raise SlackError, the server turns it into JSON."""

from __future__ import annotations

from typing import Any


class SlackError(Exception):
    """An `ok: false` answer: HTTP 200 with `error` plus any extra keys Slack adds.

    `messages` become `response_metadata.messages` (the "[ERROR] ... [json-pointer:...]"
    strings Slack sends with invalid_blocks / invalid_arguments).
    """

    def __init__(self, code: str, *, messages: list[str] | None = None, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.messages = list(messages or [])
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.code, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body
