"""Everything the fake workspace remembers, behind one lock.

Records are plain dataclasses; messages are stored as the dicts Slack returns, so the
inspection helpers and API responses hand out (copies of) the same shape.
"""

from __future__ import annotations

import itertools
import re
import string
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from .errors import SlackError

USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
DEFAULT_SCOPES = (
    "commands,chat:write,chat:write.public,channels:manage,channels:read,channels:join,"
    "groups:write,groups:read,im:write,pins:write,pins:read,bookmarks:write,bookmarks:read,"
    "reactions:write,users:read,users:read.email,usergroups:read"
)
_BASE36 = string.digits + string.ascii_uppercase


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass
class Config:
    team_id: str = "T0FAKETEAM"
    team_domain: str = "crebot-fake"
    team_name: str = "crebot fake workspace"
    bot_token: str = "xoxb-fake"
    bot_user_id: str = "U0FAKEBOT"
    bot_id: str = "B0FAKEBOT"
    app_id: str = "A0FAKEAPP"
    scopes: str = DEFAULT_SCOPES
    # Posting into public channels the bot has not joined needs chat:write.public.
    chat_write_public: bool = True
    # Accept any well-formed U…/W… id as an existing user, so tests need not seed everyone.
    auto_users: bool = True

    def granted_scopes(self) -> str:
        scopes = [s for s in self.scopes.split(",") if s]
        if not self.chat_write_public:
            scopes = [s for s in scopes if s != "chat:write.public"]
        elif "chat:write.public" not in scopes:
            scopes.append("chat:write.public")
        return ",".join(scopes)


@dataclass
class User:
    id: str
    name: str
    real_name: str = ""
    email: str | None = None
    tz: str = "UTC"
    is_bot: bool = False
    deleted: bool = False


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool
    created: int
    creator: str
    members: list[str] = field(default_factory=list)
    is_archived: bool = False
    is_im: bool = False
    is_mpim: bool = False
    im_user: str | None = None
    topic: dict[str, Any] = field(
        default_factory=lambda: {"value": "", "creator": "", "last_set": 0}
    )
    purpose: dict[str, Any] = field(
        default_factory=lambda: {"value": "", "creator": "", "last_set": 0}
    )
    messages: list[dict[str, Any]] = field(default_factory=list)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # ts -> old versions
    pins: list[dict[str, Any]] = field(default_factory=list)
    bookmarks: list[dict[str, Any]] = field(default_factory=list)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class View:
    id: str
    kind: str  # "modal" or "home"
    user_id: str
    body: dict[str, Any]  # the definition the app sent, block/action ids filled in
    hash: str
    external_id: str | None = None
    root_view_id: str | None = None
    previous_view_id: str | None = None
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # view.state.values
    open: bool = True
    errors: dict[str, str] | None = None  # the last response_action=errors the app gave


@dataclass
class Trigger:
    id: str
    user_id: str
    issued: datetime
    used: bool = False


@dataclass
class ResponseTarget:
    token: str
    channel_id: str
    user_id: str
    message_ts: str | None
    is_ephemeral: bool
    created: datetime
    bodies: list[dict[str, Any]] = field(default_factory=list)


class State:
    def __init__(self, config: Config, clock: Clock) -> None:
        # Re-entrant: inspection helpers may be called from code that already holds it.
        self.lock = threading.RLock()
        self.config = config
        self.clock = clock
        self.users: dict[str, User] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.channels: dict[str, Channel] = {}
        self.ims: dict[str, str] = {}
        self.views: dict[str, View] = {}
        self.stacks: dict[str, list[str]] = {}
        self.homes: dict[str, str] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_targets: dict[str, ResponseTarget] = {}
        # files.* (methods/files.py): id -> record; uploads go to `<root_url>/upload/<id>`.
        self.files: dict[str, dict[str, Any]] = {}
        self.root_url = ""
        self._counter = itertools.count(1)
        self._last_ts_us = 0
        bot = User(config.bot_user_id, "crebot", "crebot", is_bot=True)
        self.users[bot.id] = bot

    # ids and time -------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def new_id(self, prefix: str, width: int = 9) -> str:
        n = next(self._counter)
        digits = ""
        while n:
            n, rem = divmod(n, 36)
            digits = _BASE36[rem] + digits
        return prefix + digits.rjust(width, "0")

    def next_ts(self) -> str:
        """Message ts "<secs>.<6 digits>" from the clock, strictly increasing even if it stands."""
        micros = int(self.now().timestamp() * 1_000_000)
        micros = max(micros, self._last_ts_us + 1)
        self._last_ts_us = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    # users --------------------------------------------------------------------------
    def find_user(self, user_id: str) -> User | None:
        user = self.users.get(user_id)
        if user is None and self.config.auto_users and USER_ID.match(user_id):
            user = User(user_id, user_id.lower(), f"User {user_id}")
            self.users[user_id] = user
        return user

    # channels -----------------------------------------------------------------------
    def channel_by_name(self, name: str) -> Channel | None:
        for channel in self.channels.values():
            if channel.name == name and not channel.is_im:
                return channel
        return None

    def visible_channel(self, ref: str) -> Channel:
        """Resolve an id, "#name" or user id (its DM) the way the bot can see it.

        Private channels the bot is not in do not exist for it: Slack answers
        channel_not_found, not not_in_channel.
        """
        channel: Channel | None
        if not ref:
            raise SlackError("channel_not_found")
        if USER_ID.match(ref):
            if self.find_user(ref) is None:
                raise SlackError("channel_not_found")
            return self.im_for(ref)
        channel = self.channels.get(ref) or self.channel_by_name(ref.removeprefix("#"))
        if channel is None:
            raise SlackError("channel_not_found")
        if channel.is_private and self.config.bot_user_id not in channel.members:
            raise SlackError("channel_not_found")
        return channel

    def im_for(self, user_id: str) -> Channel:
        channel_id = self.ims.get(user_id)
        if channel_id is None:
            channel = Channel(
                id=self.new_id("D"),
                name=user_id,
                is_private=True,
                created=int(self.now().timestamp()),
                creator=self.config.bot_user_id,
                members=[self.config.bot_user_id, user_id],
                is_im=True,
                im_user=user_id,
            )
            self.channels[channel.id] = channel
            self.ims[user_id] = channel.id
            return channel
        return self.channels[channel_id]

    def require_member(self, channel: Channel) -> None:
        if self.config.bot_user_id not in channel.members:
            raise SlackError("not_in_channel")

    @staticmethod
    def require_unarchived(channel: Channel) -> None:
        if channel.is_archived:
            raise SlackError("is_archived")

    @staticmethod
    def find_message(channel: Channel, ts: str) -> dict[str, Any] | None:
        for message in channel.messages:
            if message["ts"] == ts:
                return message
        return None
