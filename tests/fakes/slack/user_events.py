"""The Events API side of the virtual Slack user: envelopes, reactions, messages, home tab."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from .user_base import SlackUserBase


class EventsApiUser(SlackUserBase):
    # events -----------------------------------------------------------------------------
    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> httpx.Response:
        """An Events API delivery; pass the same event_id with retry_num to model a retry."""
        now = self.fake.clock.now()
        event = {"event_ts": f"{now.timestamp():.6f}", **event}
        self.last_event_id = event_id or f"Ev{uuid.uuid4().hex[:10].upper()}"
        envelope = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "api_app_id": self.fake.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": self.last_event_id,
            "event_time": int(now.timestamp()),
            "authorizations": [
                {
                    "enterprise_id": self.enterprise_id,
                    "team_id": self.team_id,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        body = json.dumps(envelope).encode()
        return await self.send(body, "application/json", headers=headers)

    async def react(self, channel_id: str, ts: str, name: str = "pushpin") -> httpx.Response:
        message = self._message(channel_id, ts)
        self.fake.add_reaction(channel_id, ts, name, self.user_id)
        return await self.event(
            {
                "type": "reaction_added",
                "user": self.user_id,
                "reaction": name,
                "item": {"type": "message", "channel": channel_id, "ts": ts},
                "item_user": message.get("user"),
            }
        )

    async def say(self, channel_id: str, text: str, *, thread_ts: str = "") -> httpx.Response:
        """Post a message as this user (stored in the fake) and deliver the message event."""
        ts = self.fake.post_as_user(channel_id, self.user_id, text, thread_ts)
        info = self.fake.channel(channel_id)
        kind = "im" if info.get("is_im") else "group" if info.get("is_private") else "channel"
        event = {"type": "message", "channel": channel_id, "user": self.user_id, "text": text}
        event.update(ts=ts, event_ts=ts, channel_type=kind, team=self.team_id)
        if thread_ts:
            event["thread_ts"] = thread_ts
        return await self.event(event)

    async def mention(self, channel_id: str, text: str | None = None) -> httpx.Response:
        text = text if text is not None else f"<@{self.fake.bot_user_id}>"
        ts = self.fake.post_as_user(channel_id, self.user_id, text)
        event = {"type": "app_mention", "channel": channel_id, "user": self.user_id}
        event.update(text=text, ts=ts, event_ts=ts, team=self.team_id)
        return await self.event(event)

    async def open_home(self) -> httpx.Response:
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": self.user_id,
            "channel": self.fake.dm_channel_id(self.user_id),
            "tab": "home",
        }
        home = self.fake.published_home(self.user_id)
        if home is not None:
            event["view"] = self._view_payload(home)
        return await self.event(event)

    async def url_verification(self, challenge: str = "fake-challenge") -> httpx.Response:
        body = {
            "token": self.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        return await self.send(json.dumps(body).encode(), "application/json")
