"""Which incident a Slack interaction is about: a button's value, a `#12` argument, or the
incident channel it happened in."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotFound
from bot.incidents import service as incidents
from bot.incidents.models import Incident
from bot.slack import ids

_NUMBER = re.compile(r"^#?(\d{1,9})$")


def incident_number(word: str) -> int | None:
    match = _NUMBER.match(word.strip())
    return int(match.group(1)) if match else None


async def in_channel(
    session: AsyncSession, channel_id: str, args: str = "", *, command: str = ""
) -> Incident:
    """The incident named by a leading `#12` in `args`, else the one owning the channel."""
    first = args.split(maxsplit=1)[0] if args.strip() else ""
    number = incident_number(first) if first else None
    if number is not None:
        return await incidents.get(session, number)
    incident = await incidents.by_channel(session, channel_id) if channel_id else None
    if incident is None:
        raise NotFound(
            f"Run `{ids.COMMAND} {command}` in an incident's channel, or name the incident: "
            f"`{ids.COMMAND} {command} #12`."
        )
    return incident


def strip_number(args: str) -> str:
    """`args` without a leading incident number."""
    first, _, rest = args.strip().partition(" ")
    return rest.strip() if incident_number(first) is not None else args.strip()


async def for_action(session: AsyncSession, body: dict[str, Any]) -> Incident:
    """A button carries the incident id as its value; older messages may not, so the
    channel the button sits in decides then."""
    action = (body.get("actions") or [{}])[0]
    number = incident_number(str(action.get("value") or ""))
    if number is not None:
        return await incidents.get(session, number)
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    incident = await incidents.by_channel(session, str(channel)) if channel else None
    if incident is None:
        raise NotFound("This button is not tied to an incident crebot knows.")
    return incident
