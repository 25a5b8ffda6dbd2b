"""Drawing the pinned header: posted once by room.open, then only ever edited in place.

Each drawing records a digest of the blocks it sent. A redraw that would send the same
blocks sends nothing, and a redraw that finds the incident changed while it was drawing
draws again, so two workers finishing in the wrong order still leave the latest state.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.models import Incident
from bot.incidents.view import HeaderView, header_view
from bot.slack.blocks.header import header_blocks, header_text
from bot.slack.errors import slack_error_code

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

REDRAWS = 3  # enough to catch up with a change that landed during the previous drawing
# The header can no longer be edited: the channel was archived after the review, or
# someone deleted the message. Nothing to redraw, and retrying will not change that.
GONE = frozenset(
    {
        "is_archived",
        "channel_not_found",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
    }
)


def render(view: HeaderView) -> tuple[str, list[dict[str, Any]], str]:
    """(text, blocks as dicts, digest) for one view."""
    blocks = [block.to_dict() for block in header_blocks(view)]
    text = header_text(view)
    raw = json.dumps({"text": text, "blocks": blocks}, sort_keys=True)
    return text, blocks, hashlib.sha256(raw.encode()).hexdigest()[:20]


def remember(incident: Incident, **values: Any) -> None:
    """Record something in `slack_state` (a new dict, so SQLAlchemy sees the change)."""
    incident.slack_state = {**(incident.slack_state or {}), **values}


async def current_view(runtime: Runtime, session: AsyncSession, incident: Incident) -> HeaderView:
    return await header_view(session, runtime.domain, incident, runtime.clock.now())


async def redraw(
    runtime: Runtime, client: AsyncWebClient, session: AsyncSession, incident_id: int
) -> int:
    """Bring the posted header up to date; returns how many chat.update calls it made."""
    updates = 0
    for _ in range(REDRAWS):
        # End the current transaction so the reads below see every committed change (on
        # SQLite a transaction keeps reading the snapshot it started with).
        await session.commit()
        incident = await session.get(Incident, incident_id, populate_existing=True)
        if incident is None or not incident.channel_id or not incident.header_ts:
            return updates  # room.open has not posted it yet; it draws the latest when it does
        text, blocks, digest = render(await current_view(runtime, session, incident))
        if (incident.slack_state or {}).get("header_digest") == digest:
            return updates
        try:
            await client.chat_update(
                channel=incident.channel_id, ts=incident.header_ts, text=text, blocks=blocks
            )
        except SlackApiError as exc:
            if slack_error_code(exc) not in GONE:
                raise
            log.info("header of incident %s is gone: %s", incident_id, slack_error_code(exc))
            return updates
        updates += 1
        remember(incident, header_digest=digest)
        await session.commit()
    return updates
