"""`/cre list`, `/cre status` and the App Home tab: read-only views of open incidents."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.incidents import service
from bot.incidents.queries import open_by_tenant
from bot.incidents.view import header_view
from bot.slack.blocks.listing import home_view, list_message, status_message
from bot.slack.commands import CommandCall, CommandRouter
from bot.slack.notify_home import with_approvals

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


async def list_command(runtime: Runtime, call: CommandCall) -> None:
    async with runtime.sessions() as session:
        groups = await open_by_tenant(session, runtime.domain)
    text, blocks = list_message(groups, runtime.clock.now())
    await call.reply(text, blocks)


async def status_command(runtime: Runtime, call: CommandCall) -> None:
    async with runtime.sessions() as session:
        incident = await service.by_channel(session, call.channel_id)
        if incident is None:
            await call.reply(
                "`/cre status` works in an incident's channel; `/cre list` shows every "
                "open incident."
            )
            return
        view = await header_view(session, runtime.domain, incident, runtime.clock.now())
    text, blocks = status_message(view)
    await call.reply(text, blocks)


async def publish_home(runtime: Runtime, client: AsyncWebClient, user_id: str) -> None:
    async with runtime.sessions() as session:
        groups = await open_by_tenant(session, runtime.domain, include_quiet_key_tenants=True)
    view = home_view(groups, runtime.clock.now())
    try:
        # Customer messages waiting for this person's approval go on top.
        view = await with_approvals(runtime, client, user_id, view)
        await client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("could not publish the home tab for %s: %s", user_id, exc.response.get("error"))


def setup(app: AsyncApp, runtime: Runtime, router: CommandRouter) -> None:
    async def on_list(call: CommandCall) -> None:
        await list_command(runtime, call)

    async def on_status(call: CommandCall) -> None:
        await status_command(runtime, call)

    async def on_home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            await publish_home(runtime, client, str(event["user"]))

    router.add("list", on_list)
    router.add("status", on_status)
    app.event("app_home_opened")(on_home_opened)
