"""The `/cre` slash command: one router, one small handler per subcommand."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks.help import help_blocks, help_text
from bot.slack.ids import COMMAND
from bot.slack.text import escape

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class CommandCall:
    """One `/cre` invocation, already acknowledged."""

    runtime: Runtime
    body: dict[str, Any]
    args: str
    client: AsyncWebClient
    respond: AsyncRespond

    @property
    def user_id(self) -> str:
        return str(self.body.get("user_id", ""))

    @property
    def channel_id(self) -> str:
        return str(self.body.get("channel_id", ""))

    @property
    def trigger_id(self) -> str:
        return str(self.body.get("trigger_id", ""))

    async def reply(self, text: str, blocks: list[Any] | None = None) -> None:
        """An ephemeral answer to the person who typed the command."""
        await self.respond(
            text=text, blocks=blocks, response_type="ephemeral", replace_original=False
        )


Subcommand = Callable[[CommandCall], Awaitable[None]]


async def _help(call: CommandCall) -> None:
    await call.reply(help_text(), help_blocks())


class CommandRouter:
    """Maps the first word of `/cre …` to a handler; later features register theirs."""

    def __init__(self) -> None:
        self.handlers: dict[str, Subcommand] = {"help": _help}

    def add(self, name: str, handler: Subcommand) -> None:
        self.handlers[name] = handler

    def register(self, app: AsyncApp, runtime: Runtime) -> None:
        @app.command(COMMAND)
        async def on_command(
            ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
        ) -> None:
            await ack()
            text = str(body.get("text") or "").strip()
            name, _, args = text.partition(" ")
            name = name.lower() or "help"
            call = CommandCall(runtime, body, args.strip(), client, respond)
            handler = self.handlers.get(name)
            if handler is None:
                await call.reply(
                    f"I don't know `{COMMAND} {escape(name)}`.\n{help_text()}",
                    help_blocks(unknown=name),
                )
                return
            await handler(call)
