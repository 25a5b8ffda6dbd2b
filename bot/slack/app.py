"""Building the Bolt AsyncApp: middleware for cross-cutting concerns, then the listeners."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dbops import insert_ignore
from bot.errors import CrebotError
from bot.slack.client import make_client
from bot.slack.commands import CommandRouter
from bot.slack.models import SeenEvent

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

# Features register their Slack listeners here: `fn(app, runtime, router)`.
ListenerSetup = Callable[[AsyncApp, "Runtime", CommandRouter], None]


def build_bolt_app(runtime: Runtime, setups: list[ListenerSetup] | None = None) -> AsyncApp:
    settings = runtime.settings
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    # Listeners get a client that waits out a 429: a person is waiting on the answer.
    client = make_client(settings)
    app = AsyncApp(
        client=client,
        signing_secret=secret,
        # Socket Mode needs no signing secret; HTTP mode always verifies (see main.py).
        request_verification_enabled=bool(secret),
        raise_error_for_unhandled_request=False,
        ignoring_self_events_enabled=True,
    )
    app.middleware(_dedupe_events(runtime.sessions, runtime))
    app.error(_on_error)
    router = CommandRouter()
    app.event("app_mention")(_on_mention)
    for setup in setups or []:
        setup(app, runtime, router)
    router.register(app, runtime)
    return app


def _dedupe_events(sessions: async_sessionmaker[AsyncSession], runtime: Runtime) -> Any:
    """Slack redelivers an event it thinks we missed; handle each event_id once."""

    async def middleware(body: dict[str, Any], next: Callable[[], Awaitable[BoltResponse]]) -> Any:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            async with sessions() as session:
                inserted = await insert_ignore(
                    session,
                    SeenEvent.__table__,  # type: ignore[arg-type]
                    {"event_id": str(event_id)[:64], "seen_at": runtime.clock.now()},
                    ["event_id"],
                )
                await session.commit()
            if not inserted:
                return BoltResponse(status=200, body="")
        return await next()

    return middleware


async def _on_mention(event: dict[str, Any], client: Any) -> None:
    """Someone wrote @crebot: answer them (only them) with what crebot can do."""
    from bot.slack.blocks.help import help_text

    channel, user = event.get("channel"), event.get("user")
    if channel and user:
        try:
            await client.chat_postEphemeral(channel=channel, user=user, text=help_text())
        except Exception:  # a mention in a channel crebot cannot post to is not an error
            log.info("could not answer a mention in %s", channel, exc_info=True)


async def _on_error(error: Exception, body: dict[str, Any], respond: Any = None) -> None:
    """Known errors become an ephemeral explanation; anything else is logged with an id."""
    if isinstance(error, CrebotError):
        text = str(error)
    else:
        error_id = uuid.uuid4().hex[:8]
        log.error("unhandled error %s in a Slack listener", error_id, exc_info=error)
        text = f"Something went wrong on crebot's side (error id {error_id}). Nothing was lost."
    if respond is not None and (body.get("response_url") or body.get("response_urls")):
        try:
            await respond(text=text, response_type="ephemeral", replace_original=False)
        except Exception:
            log.warning("could not tell the user about an error", exc_info=True)
