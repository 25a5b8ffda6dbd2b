"""Read-only views of the fake workspace for assertions. Everything returned is a copy."""

from __future__ import annotations

import copy
from typing import Any

from .dispatch import CallRecord, Dispatcher
from .shapes import channel_json, view_json
from .state import Channel, State


class Inspection:
    _state: State
    _dispatcher: Dispatcher

    # request log --------------------------------------------------------------------
    @property
    def calls(self) -> list[CallRecord]:
        return list(self._dispatcher.calls)

    def calls_to(self, method: str) -> list[CallRecord]:
        return [c for c in self.calls if c.method == method]

    def successful_calls(self, method: str | None = None) -> list[CallRecord]:
        return [c for c in self.calls if c.ok and (method is None or c.method == method)]

    def clear_calls(self) -> None:
        self._dispatcher.clear_calls()

    @property
    def crashes(self) -> list[str]:
        """Tracebacks of bugs in the fake (answered as HTTP 500 `fake_crashed`)."""
        return list(self._dispatcher.crashes)

    # channels and messages --------------------------------------------------------------
    def _channel(self, channel_id: str) -> Channel:
        channel = self._state.channels.get(channel_id)
        if channel is None:
            known = {c.id: c.name for c in self._state.channels.values()}
            raise KeyError(f"no channel {channel_id!r} in the Slack fake; it has {known}")
        return channel

    def channel(self, channel_id: str) -> dict[str, Any]:
        with self._state.lock:
            channel = self._channel(channel_id)
            return {**channel_json(self._state, channel), "members": list(channel.members)}

    def channel_by_name(self, name: str) -> dict[str, Any]:
        with self._state.lock:
            channel = self._state.channel_by_name(name.removeprefix("#"))
            if channel is None:
                names = sorted(c.name for c in self._state.channels.values() if not c.is_im)
                raise KeyError(f"no channel named {name!r} in the Slack fake; it has {names}")
            return self.channel(channel.id)

    def members(self, channel_id: str) -> list[str]:
        with self._state.lock:
            return list(self._channel(channel_id).members)

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        """All messages in posting order, thread replies included (they carry thread_ts)."""
        with self._state.lock:
            return copy.deepcopy(self._channel(channel_id).messages)

    def find_message(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        with self._state.lock:
            message = self._state.find_message(self._channel(channel_id), ts)
            return copy.deepcopy(message)

    def message_history(self, channel_id: str, ts: str) -> list[dict[str, Any]]:
        """Earlier versions of a message, oldest first (one per chat.update / replace_original)."""
        with self._state.lock:
            return copy.deepcopy(self._channel(channel_id).history.get(ts, []))

    def ephemerals(self, channel_id: str, user_id: str | None = None) -> list[dict[str, Any]]:
        with self._state.lock:
            found = self._channel(channel_id).ephemerals
            return copy.deepcopy([m for m in found if user_id in (None, m["recipient"])])

    def dms(self, user_id: str) -> list[dict[str, Any]]:
        """Messages in the bot's DM with this user (empty if there is none yet)."""
        with self._state.lock:
            channel_id = self._state.ims.get(user_id)
            return self.messages(channel_id) if channel_id else []

    def pins(self, channel_id: str) -> list[str]:
        """ts of the pinned messages, in pinning order."""
        with self._state.lock:
            return [pin["ts"] for pin in self._channel(channel_id).pins]

    def bookmarks(self, channel_id: str) -> list[dict[str, Any]]:
        with self._state.lock:
            return copy.deepcopy(self._channel(channel_id).bookmarks)

    def file(self, file_id: str) -> dict[str, Any]:
        """An uploaded file (files.* methods), `content` as the bytes received."""
        with self._state.lock:
            record = self._state.files.get(file_id)
            if record is None:
                raise KeyError(f"no file {file_id!r} in the Slack fake")
            return copy.deepcopy(record)

    # views ----------------------------------------------------------------------------
    def view(self, view_id: str) -> dict[str, Any]:
        """The view as Slack would describe it, plus `is_open` and the last `errors` shown."""
        with self._state.lock:
            view = self._state.views.get(view_id)
            if view is None:
                raise KeyError(f"no view {view_id!r} in the Slack fake")
            return {**view_json(self._state, view), "is_open": view.open, "errors": view.errors}

    def open_views(self, user_id: str) -> list[dict[str, Any]]:
        """The user's open modal stack, bottom first (the last one is what they see)."""
        with self._state.lock:
            stack = self._state.stacks.get(user_id, [])
            return [self.view(v) for v in stack if self._state.views[v].open]

    def published_home(self, user_id: str) -> dict[str, Any] | None:
        with self._state.lock:
            view_id = self._state.homes.get(user_id)
            return self.view(view_id) if view_id else None

    # response urls ----------------------------------------------------------------------
    def responses(self, url_or_token: str | None = None) -> list[dict[str, Any]]:
        """JSON bodies the app sent to response_urls: one URL's, or all in order of issue."""
        with self._state.lock:
            targets = list(self._state.response_targets.values())
            if url_or_token is not None:
                token = url_or_token.rstrip("/").rsplit("/", 1)[-1]
                targets = [t for t in targets if t.token == token]
            return copy.deepcopy([body for t in targets for body in t.bodies])
