"""SlackUser: a person in the fake workspace, driving the bot's HTTP endpoint as Slack would.

Every request is signed the way Slack signs (v0 HMAC over the exact bytes sent), and every
payload is built from what the bot really posted or opened in the SlackFake: a click finds
the button in the stored message, a submit reads the stored modal. So a test cannot click
a button the bot never sent.

    user = SlackUser(fake, client, signing_secret="...", user_id="U0ALICE")
    await user.command("/cre", "declare")
    view = fake.open_views("U0ALICE")[-1]
    await user.submit(view["id"], {"title": "Login failing"})

Identity and signing live in slack/user_base.py, Events API deliveries in slack/user_events.py.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.fakes.slack.element_values import SHAPES, action, find, view_state
from tests.fakes.slack.user_events import EventsApiUser


class SlackUser(EventsApiUser):
    """SlackUser(fake, client, *, signing_secret, user_id, path="/slack/events", team_id=None,
    user_name=None, clock=None, enterprise_id=None, timestamp=None, bad_signature=False)."""

    # slash commands and shortcuts -------------------------------------------------------
    async def command(
        self,
        command: str = "/cre",
        text: str = "",
        *,
        channel_id: str | None = None,
        channel_name: str | None = None,
    ) -> httpx.Response:
        """A slash command typed in `channel_id` (default: the user's DM with the bot)."""
        channel_id = channel_id or self.fake.dm_channel_id(self.user_id)
        channel_name = channel_name or self._channel(channel_id)["name"]
        fields = {"token": self.verification_token, "team_id": self.team_id}
        fields["team_domain"] = self.fake.team_domain
        if self.enterprise_id:
            fields.update(enterprise_id=self.enterprise_id, enterprise_name="Fake Grid")
        fields.update(
            channel_id=channel_id,
            channel_name=channel_name,
            user_id=self.user_id,
            user_name=self.user_name,
            command=command,
            text=text,
            api_app_id=self.fake.app_id,
            is_enterprise_install="false",
            response_url=self.fake.new_response_url(channel_id, self.user_id),
            trigger_id=self.fake.issue_trigger_id(self.user_id),
        )
        return await self._form(fields)

    async def global_shortcut(self, callback_id: str) -> httpx.Response:
        payload = self._envelope("shortcut")
        payload.update(
            callback_id=callback_id,
            trigger_id=self.fake.issue_trigger_id(self.user_id),
            action_ts=self._now_ts(),
        )
        return await self._payload(payload)

    async def message_shortcut(self, callback_id: str, channel_id: str, ts: str) -> httpx.Response:
        payload = self._envelope("message_action")
        payload.update(
            callback_id=callback_id,
            trigger_id=self.fake.issue_trigger_id(self.user_id),
            action_ts=self._now_ts(),
            channel=self._channel(channel_id),
            message_ts=ts,
            message=self._message(channel_id, ts),
            response_url=self.fake.new_response_url(channel_id, self.user_id, message_ts=ts),
        )
        return await self._payload(payload)

    # block actions ----------------------------------------------------------------------
    async def click(
        self,
        channel_id: str,
        ts: str,
        action_id: str,
        *,
        value: Any = None,
        block_id: str | None = None,
    ) -> httpx.Response:
        """Use the element `action_id` of a message the bot posted (ephemeral ones too).

        `value` picks the option of a select/overflow, the user of a users_select, ...;
        for a button it must match the button's value (use it to tell apart buttons that
        share an action_id in different blocks).
        """
        message = self.fake.find_message(channel_id, ts)
        ephemeral = None
        if message is None:
            mine = self.fake.ephemerals(channel_id, self.user_id)
            ephemeral = next((m for m in mine if m["ts"] == ts), None)
            if ephemeral is None:
                self._message(channel_id, ts)  # raises with the list of what is there
        shown = message or ephemeral or {}
        block, element = self._pick(
            shown.get("blocks") or [], action_id, block_id, value, f"message {ts}"
        )
        payload = self._envelope("block_actions")
        payload.update(
            container={
                "type": "message",
                "message_ts": ts,
                "channel_id": channel_id,
                "is_ephemeral": ephemeral is not None,
            },
            trigger_id=self.fake.issue_trigger_id(self.user_id),
            channel=self._channel(channel_id),
            state={"values": view_state(shown.get("blocks") or [], {}, {}, strict=False)},
            response_url=self.fake.new_response_url(
                channel_id, self.user_id, message_ts=ts, is_ephemeral=ephemeral is not None
            ),
            actions=[action(block, element, value, self._now_ts())],
        )
        if message is not None:
            # Slack leaves `message` out of actions on ephemeral messages [inf].
            payload["message"] = message
        return await self._payload(payload)

    def _pick(
        self,
        blocks: list[dict[str, Any]],
        action_id: str,
        block_id: str | None,
        value: Any,
        where: str,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        found = find(blocks, action_id, block_id, where)
        if len(found) > 1 and value is not None:
            same = [(b, e) for b, e in found if e.get("value") == value]
            found = same or found
        if len(found) > 1:
            blocks_with = [b.get("block_id") for b, _e in found]
            raise AssertionError(
                f"action_id {action_id!r} is in blocks {blocks_with} of {where}: pass block_id"
            )
        return found[0]

    async def click_in_view(
        self, view_id: str, action_id: str, value: Any = None, *, block_id: str | None = None
    ) -> httpx.Response:
        """Use an element inside a modal or the home tab (block_actions from a view)."""
        view = self._open_view(view_id)
        block, element = self._pick(view["blocks"], action_id, block_id, value, f"view {view_id}")
        entry = action(block, element, value, self._now_ts())
        if element["type"] in SHAPES:
            state = {
                k: v for k, v in entry.items() if k not in ("action_id", "block_id", "action_ts")
            }
            self.fake.set_view_values(view_id, {block["block_id"]: {element["action_id"]: state}})
            view = self._open_view(view_id)
        payload = self._envelope("block_actions")
        payload.update(
            container={"type": "view", "view_id": view_id},
            trigger_id=self.fake.issue_trigger_id(self.user_id),
            view=self._view_payload(view),
            actions=[entry],
        )
        return await self._payload(payload)

    # modals -----------------------------------------------------------------------------
    def _open_view(self, view_id: str) -> dict[str, Any]:
        view = self.fake.view(view_id)
        if not view["is_open"]:
            raise AssertionError(f"view {view_id} is closed; the user cannot use it")
        return view

    async def submit(
        self, view_id: str, values: dict[str, Any] | None = None, *, strict: bool = True
    ) -> httpx.Response:
        """Fill `values` (action_id or "block_id.action_id" -> value) and press submit.

        The fake then applies the bot's answer: empty 200 closes the view, response_action
        update/push/clear change the stack, errors keep it open (see fake.view()["errors"]).
        """
        view = self._open_view(view_id)
        if view["type"] != "modal":
            raise AssertionError(f"view {view_id} is a {view['type']}, only modals submit")
        current = view["state"]["values"]
        state = view_state(view["blocks"], current, values or {}, strict=strict)
        self.fake.set_view_values(view_id, state)
        view = self.fake.view(view_id)
        payload = self._envelope("view_submission")
        payload.update(
            trigger_id=self.fake.issue_trigger_id(self.user_id),
            view=self._view_payload(view),
            response_urls=[],
        )
        response = await self._payload(payload)
        data: Any = None
        if response.status_code == 200 and response.content.strip():
            try:
                data = response.json()
            except ValueError as exc:
                raise AssertionError(
                    f"Slack needs JSON (or nothing) in a view_submission answer: {response.text!r}"
                ) from exc
        self.fake.apply_view_submission_answer(view_id, response.status_code, data)
        return response

    async def close(self, view_id: str) -> httpx.Response | None:
        """Press Cancel/X: the view closes; the bot hears view_closed only if it asked to."""
        view = self._open_view(view_id)
        self.fake.user_closed_view(view_id)
        if not view["notify_on_close"]:
            return None
        payload = self._envelope("view_closed")
        payload.update(view=self._view_payload(view), is_cleared=False)
        return await self._payload(payload)
