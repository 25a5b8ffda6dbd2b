"""SlackFake: a stateful fake of the Slack Web API served over real HTTP.

    with SlackFake(clock=clock) as fake:
        client = AsyncWebClient(base_url=fake.url, token=fake.bot_token)
        ...
        assert fake.messages(channel_id)[-1]["text"] == "..."

Behaviour and error codes follow /work/shared/SLACK_NOTES.md (sections 1-5, 10).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from bot.clock import SystemClock

from . import view_stack
from .dispatch import Dispatcher
from .errors import SlackError
from .faults import Fault, Faults, Outage
from .inspection import Inspection
from .limits import RateLimiter
from .methods.chat import append_message
from .methods.conversations import check_channel_name, new_channel
from .methods.items import add_reaction
from .response_urls import new_target
from .server import HttpServer
from .state import Clock, Config, State, User


class SlackFake(Inspection):
    def __init__(
        self,
        clock: Clock | None = None,
        *,
        rate_limits: bool = False,
        auto_users: bool = True,
        chat_write_public: bool = True,
        config: Config | None = None,
    ) -> None:
        self.config = config or Config()
        self.config.auto_users = auto_users
        self.config.chat_write_public = chat_write_public
        self.clock: Clock = clock or SystemClock()
        self._state = State(self.config, self.clock)
        self._limiter = RateLimiter(tiers=rate_limits)
        self._faults = Faults()
        self._dispatcher = Dispatcher(self._state, self._limiter, self._faults)
        self._http = HttpServer(self._dispatcher)

    # lifecycle --------------------------------------------------------------------------
    def start(self) -> SlackFake:
        self._http.start()
        self._state.root_url = self.root_url  # upload URLs of files.getUploadURLExternal
        return self

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> SlackFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self._http.port}"

    @property
    def url(self) -> str:
        """The Web API base URL for `AsyncWebClient(base_url=...)`."""
        return f"{self.root_url}/api/"

    # identity ---------------------------------------------------------------------------
    @property
    def bot_token(self) -> str:
        return self.config.bot_token

    @property
    def bot_user_id(self) -> str:
        return self.config.bot_user_id

    @property
    def bot_id(self) -> str:
        return self.config.bot_id

    @property
    def team_id(self) -> str:
        return self.config.team_id

    @property
    def team_domain(self) -> str:
        return self.config.team_domain

    @property
    def app_id(self) -> str:
        return self.config.app_id

    # rate limits and faults -------------------------------------------------------------
    def set_rate_limit(
        self, method: str, per_minute: int | None, *, retry_after: int | None = None
    ) -> None:
        """Limit one method (None lifts it). `retry_after` fixes Retry-After and the pause."""
        with self._state.lock:
            self._limiter.set(method, per_minute, retry_after)

    def set_channel_rate_limit(self, per_second: float | None, *, burst: int = 3) -> None:
        """chat.postMessage per channel: `per_second` refill, `burst` messages at once."""
        with self._state.lock:
            self._limiter.set_channel_rule(per_second=per_second, burst=burst)

    def fail(
        self,
        method: str = "*",
        error: str | None = None,
        *,
        status: int | None = None,
        delay: float = 0.0,
        drop: bool = False,
        times: int | None = 1,
        token: str | None = None,
    ) -> None:
        """Make the next `times` calls of `method` fail (None: until clear_faults()).

        Without error/status/delay/drop this is `error="internal_error"`. A delay alone
        answers normally but late, after the call took effect.
        """
        if error is None and status is None and not drop and not delay:
            error = "internal_error"
        self._faults.add(Fault(method, error, status, delay, drop, times, token))

    def clear_faults(self) -> None:
        self._faults.clear()

    def set_outage(self, on: bool, *, status: int = 503, drop: bool = False) -> None:
        self._faults.outage = Outage(status, drop) if on else None

    @contextlib.contextmanager
    def outage(self, *, status: int = 503, drop: bool = False) -> Iterator[None]:
        self.set_outage(True, status=status, drop=drop)
        try:
            yield
        finally:
            self.set_outage(False)

    # seeding ----------------------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        email: str | None = None,
        tz: str = "UTC",
        real_name: str | None = None,
        deleted: bool = False,
    ) -> str:
        name = name or user_id.lower()
        with self._state.lock:
            self._state.users[user_id] = User(
                user_id, name, real_name or name.title(), email, tz, deleted=deleted
            )
        return user_id

    def add_usergroup(self, group_id: str, users: list[str]) -> str:
        with self._state.lock:
            self._state.usergroups[group_id] = list(users)
        return group_id

    def add_channel(
        self,
        name: str,
        id: str | None = None,
        *,
        is_private: bool = False,
        members: list[str] | None = None,
        bot_member: bool = True,
        is_archived: bool = False,
    ) -> str:
        """A channel that exists before the test (team, support, customer channels)."""
        try:
            check_channel_name(name)
        except SlackError as exc:
            raise ValueError(f"channel name {name!r}: {exc.code}") from exc
        people = ([self.bot_user_id] if bot_member else []) + list(members or [])
        with self._state.lock:
            if self._state.channel_by_name(name) or (id and id in self._state.channels):
                raise ValueError(f"channel {name!r} / {id!r} already exists in the Slack fake")
            channel = new_channel(self._state, name, is_private=is_private, members=people)
            channel.is_archived = is_archived
            if id is not None:
                del self._state.channels[channel.id]
                channel.id = id
                self._state.channels[id] = channel
            return channel.id

    # what Slack's side does, for the virtual user ---------------------------------------
    def issue_trigger_id(self, user_id: str) -> str:
        with self._state.lock:
            return view_stack.issue_trigger(self._state, user_id)

    def new_response_url(
        self,
        channel_id: str,
        user_id: str,
        *,
        message_ts: str | None = None,
        is_ephemeral: bool = False,
    ) -> str:
        with self._state.lock:
            token = new_target(self._state, channel_id, user_id, message_ts, is_ephemeral)
        return f"{self.root_url}/response/{token}"

    def dm_channel_id(self, user_id: str) -> str:
        with self._state.lock:
            return self._state.im_for(user_id).id

    def post_as_user(self, channel_id: str, user_id: str, text: str, thread_ts: str = "") -> str:
        """A human posts (no event is sent; SlackUser.say does both). Returns the ts."""
        with self._state.lock:
            channel = self._channel(channel_id)
            message = {
                "type": "message",
                "user": user_id,
                "text": text,
                "ts": self._state.next_ts(),
            }
            message["team"] = self.team_id
            append_message(self._state, channel, message, thread_ts, broadcast=False)
            return str(message["ts"])

    def add_reaction(self, channel_id: str, ts: str, name: str, user_id: str) -> None:
        with self._state.lock:
            message = self._state.find_message(self._channel(channel_id), ts)
            if message is None:
                raise KeyError(f"no message {ts} in {channel_id}")
            add_reaction(message, name, user_id)

    def set_view_values(self, view_id: str, values: dict[str, dict[str, Any]]) -> None:
        """What the user has typed or picked in a view (block_id -> action_id -> value)."""
        with self._state.lock:
            view = self._state.views[view_id]
            for block_id, actions in values.items():
                view.values.setdefault(block_id, {}).update(actions)

    def user_closed_view(self, view_id: str) -> None:
        with self._state.lock:
            view_stack.close(self._state, self._state.views[view_id])

    def apply_view_submission_answer(self, view_id: str, status: int, data: Any) -> None:
        with self._state.lock:
            view = self._state.views[view_id]
            view_stack.apply_submission_answer(self._state, view, status, data)
