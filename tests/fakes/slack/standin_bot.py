"""A minimal Bolt AsyncApp + FastAPI standing in for crebot's Slack edge.

Used to test the fake and SlackUser end to end: just enough listeners to show that signed
requests pass Bolt's verification and that payloads carry what listeners read. It records
every body its listeners receive in `seen`; event listeners (which Bolt runs after its
automatic ack) put their event on `events` when done, so tests wait on the queue, not time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from .fake import SlackFake

SIGNING_SECRET = "fake-signing-secret"


@dataclass
class StandinBot:
    app: FastAPI
    seen: list[dict[str, Any]]
    events: asyncio.Queue[dict[str, Any]]


def text_input(block_id: str, action_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": block_id},
        "element": {"type": "plain_text_input", "action_id": action_id},
        **extra,
    }


SEVERITY = {
    "type": "input",
    "block_id": "severity_blk",
    "label": {"type": "plain_text", "text": "Severity"},
    "element": {
        "type": "static_select",
        "action_id": "severity",
        "options": [
            {"text": {"type": "plain_text", "text": f"Sev {n}"}, "value": f"sev{n}"}
            for n in (1, 2, 3)
        ],
        "initial_option": {"text": {"type": "plain_text", "text": "Sev 3"}, "value": "sev3"},
    },
}


def declare_modal(channel_id: str, title: str = "Declare incident") -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "declare",
        "private_metadata": channel_id,
        "notify_on_close": True,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Declare"},
        "blocks": [
            text_input("title_blk", "title"),
            SEVERITY,
            {
                "type": "input",
                "block_id": "owner_blk",
                "optional": True,
                "label": {"type": "plain_text", "text": "Owner"},
                "element": {"type": "users_select", "action_id": "owner"},
            },
        ],
    }


def build_standin_bot(fake: SlackFake) -> StandinBot:
    seen: list[dict[str, Any]] = []
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    app = AsyncApp(
        client=AsyncWebClient(base_url=fake.url, token=fake.bot_token),
        signing_secret=SIGNING_SECRET,
    )

    @app.command("/cre")
    async def cre(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        seen.append(body)
        await client.views_open(
            trigger_id=body["trigger_id"], view=declare_modal(body["channel_id"])
        )
        await ack()

    @app.view("declare")
    async def declare(
        ack: Any, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        seen.append(body)
        title = view["state"]["values"]["title_blk"]["title"]["value"]
        if title == "bad":
            await ack(response_action="errors", errors={"title_blk": "Say more"})
        elif title in ("update", "push"):
            await ack(
                response_action=title, view=declare_modal(view["private_metadata"], title.title())
            )
        elif title == "clear":
            await ack(response_action="clear")
        else:
            await client.chat_postMessage(
                channel=view["private_metadata"],
                text=f"Incident: {title}",
                blocks=[
                    {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}},
                    {
                        "type": "actions",
                        "block_id": "incident_actions",
                        "elements": [
                            {
                                "type": "button",
                                "action_id": "ack_incident",
                                "text": {"type": "plain_text", "text": "Acknowledge"},
                                "value": "inc-1",
                            }
                        ],
                    },
                ],
            )
            await ack()

    @app.action("pick_team")
    async def pick_team(ack: Any, body: dict[str, Any]) -> None:
        seen.append(body)
        await ack()

    @app.view_closed("declare")
    async def closed(ack: Any, body: dict[str, Any]) -> None:
        seen.append(body)
        await ack()

    @app.action("ack_incident")
    async def acknowledge(ack: Any, body: dict[str, Any], respond: Any) -> None:
        seen.append(body)
        await respond(replace_original=True, text=f"Acknowledged by <@{body['user']['id']}>")
        await ack()

    @app.shortcut("declare_from_message")
    @app.shortcut("declare_global")
    async def shortcut(ack: Any, body: dict[str, Any]) -> None:
        seen.append(body)
        await ack()

    @app.event("reaction_added")
    async def reaction(body: dict[str, Any]) -> None:
        await events.put(body)

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
            },
        )
        await events.put(event)

    api = FastAPI()
    handler = AsyncSlackRequestHandler(app)

    @api.post("/slack/events")
    async def slack_events(request: Request) -> Any:
        return await handler.handle(request)

    return StandinBot(api, seen, events)
