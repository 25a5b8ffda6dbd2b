"""Mitigated and resolved: stamping the times, stopping the update cadence, and what follows
a resolve (the resolved customer message, the nudge to review).

Services take a session and never commit; Slack work goes through the outbox in the same
transaction. The review itself is in bot.incidents.review.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.loader import Domain
from bot.incidents import clock as response_clock
from bot.incidents.models import Incident
from bot.incidents.service import announce_resolved, move, refresh_header
from bot.incidents.states import IncidentStatus
from bot.notifications import hooks as customer_messages
from bot.outbox.queue import enqueue
from bot.slack.text import escape

# Outbox operations the Slack side carries out.
NOTICE = "resolution.notice"  # "mitigated by …" / "resolved by …" in the incident channel
RESOLVED_NUDGE = "resolution.nudge"  # after a resolve: ask for the review and postmortem

# Drafts the resolved customer message and asks for its approval; True when a draft now
# waits for approval. bot.notifications.hooks.offer_resolved_message by default.
ResolvedMessageOffer = Callable[[AsyncSession, Domain, Incident, datetime], Awaitable[bool]]


@dataclass(frozen=True)
class Resolved:
    incident: Incident
    message_offered: bool


def _with_note(text: str, note: str | None) -> str:
    note = (note or "").strip()
    return f"{text}: {escape(note)}" if note else text


async def mitigate(
    session: AsyncSession,
    incident: Incident,
    *,
    user: str,
    now: datetime,
    note: str | None = None,
) -> None:
    """Customer impact has stopped, the cause may not be fixed yet. Drafts that still say
    the impact goes on are stale now."""
    move(
        incident,
        IncidentStatus.MITIGATED,
        now,
        user,
        session,
        note=_with_note(f"Mitigated by <@{user}>", note),
    )
    await customer_messages.on_mitigated(session, incident, now)
    await refresh_header(session, incident, now)
    await enqueue(
        session,
        NOTICE,
        now=now,
        incident_id=incident.id,
        payload={"event": "mitigated", "user": user, "note": (note or "").strip()},
    )


async def resolve(
    session: AsyncSession,
    domain: Domain,
    incident: Incident,
    *,
    user: str,
    now: datetime,
    note: str | None = None,
    offer: ResolvedMessageOffer | None = None,
) -> Resolved:
    """Resolve: stamp the time, stop what the clock still had planned (customer update
    reminders included), offer the resolved customer message for approval, tell support
    and ask the channel for the review."""
    move(
        incident,
        IncidentStatus.RESOLVED,
        now,
        user,
        session,
        note=_with_note(f"Resolved by <@{user}>", note),
    )
    await response_clock.stop_all(session, incident)
    offer = offer or customer_messages.offer_resolved_message
    offered = await offer(session, domain, incident, now)
    await announce_resolved(session, incident, now)  # support channel, header
    # Keyed by the resolve time: a reopened and resolved-again incident is nudged again.
    await enqueue(
        session,
        RESOLVED_NUDGE,
        now=now,
        key=f"{RESOLVED_NUDGE}:{incident.id}:{int(now.timestamp())}",
        incident_id=incident.id,
        payload={"user": user, "note": (note or "").strip(), "message_offered": offered},
    )
    return Resolved(incident, offered)
