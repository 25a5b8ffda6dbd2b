"""What every request from the virtual Slack user shares: who they are, and Slack's signing.

Requests are signed the way Slack signs (SLACK_NOTES §4.1): `v0=` HMAC-SHA256 of
`v0:{timestamp}:{body}` over exactly the bytes sent.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from .fake import SlackFake
from .state import Clock


class SlackUserBase:
    def __init__(
        self,
        fake: SlackFake,
        client: httpx.AsyncClient,
        *,
        signing_secret: str,
        user_id: str,
        path: str = "/slack/events",
        team_id: str | None = None,
        user_name: str | None = None,
        clock: Clock | None = None,
        enterprise_id: str | None = None,
        verification_token: str = "fake-verification-token",
        timestamp: int | None = None,
        bad_signature: bool = False,
    ) -> None:
        self.fake = fake
        self.client = client
        self.path = path
        self.user_id = user_id
        self.user_name = user_name or user_id.lower()
        self.team_id = team_id or fake.team_id
        # The clock that stamps X-Slack-Request-Timestamp: the bot checks it against its own.
        self.clock: Clock = clock or fake.clock
        self.enterprise_id = enterprise_id
        self.verification_token = verification_token
        self._signer = SignatureVerifier(signing_secret)
        self._wrong_signer = SignatureVerifier(signing_secret + "-wrong")
        self.timestamp = timestamp  # fixed X-Slack-Request-Timestamp (stale-request tests)
        self.bad_signature = bad_signature  # sign with the wrong secret
        self.last_event_id: str | None = None

    # transport --------------------------------------------------------------------------
    async def send(
        self,
        body: bytes,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        bad_signature: bool | None = None,
    ) -> httpx.Response:
        """POST raw bytes, signed over exactly those bytes."""
        if timestamp is None:
            timestamp = self.timestamp
        if timestamp is None:
            timestamp = int(self.clock.now().timestamp())
        wrong = self.bad_signature if bad_signature is None else bad_signature
        signer = self._wrong_signer if wrong else self._signer
        signature = signer.generate_signature(timestamp=str(timestamp), body=body)
        assert signature is not None  # only None without timestamp or body
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature,
            **(headers or {}),
        }
        return await self.client.post(self.path, content=body, headers=sent)

    async def _form(self, fields: dict[str, str]) -> httpx.Response:
        return await self.send(urlencode(fields).encode(), "application/x-www-form-urlencoded")

    async def _payload(self, payload: dict[str, Any]) -> httpx.Response:
        # Interactivity: one form field, `payload`, holding the JSON (SLACK_NOTES §5).
        return await self._form({"payload": json.dumps(payload)})

    # shared payload parts ---------------------------------------------------------------
    def _now_ts(self) -> str:
        return f"{self.fake.clock.now().timestamp():.6f}"

    def _user(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "username": self.user_name,
            "name": self.user_name,
            "team_id": self.team_id,
        }

    def _team(self) -> dict[str, Any]:
        team: dict[str, Any] = {"id": self.team_id, "domain": self.fake.team_domain}
        if self.enterprise_id:
            team["enterprise_id"] = self.enterprise_id
        return team

    def _envelope(self, kind: str) -> dict[str, Any]:
        return {
            "type": kind,
            "user": self._user(),
            "api_app_id": self.fake.app_id,
            "token": self.verification_token,
            "team": self._team(),
            "enterprise": {"id": self.enterprise_id} if self.enterprise_id else None,
            "is_enterprise_install": False,
        }

    def _channel(self, channel_id: str) -> dict[str, str]:
        info = self.fake.channel(channel_id)
        name = "directmessage" if info.get("is_im") else str(info.get("name", channel_id))
        return {"id": channel_id, "name": name}

    def _message(self, channel_id: str, ts: str) -> dict[str, Any]:
        message = self.fake.find_message(channel_id, ts)
        if message is None:
            posted = [m["ts"] for m in self.fake.messages(channel_id)]
            raise AssertionError(f"no message {ts} in {channel_id}; messages there: {posted}")
        return message

    @staticmethod
    def _view_payload(view: dict[str, Any]) -> dict[str, Any]:
        """A view as Slack puts it in payloads (the fake's inspection extras removed)."""
        return {k: v for k, v in view.items() if k not in ("is_open", "errors")}
