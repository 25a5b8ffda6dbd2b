"""Action items: what an incident taught us to change, each with an owner and a due date.

Added from Slack (`/cre action <text> [@owner] [due YYYY-MM-DD]` or a modal) and listed in
the postmortem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.domain import parse_duration
from bot.errors import ValidationFailed
from bot.incidents.models import ActionItem, Incident
from bot.incidents.timeline import EntryKind, add_entry
from bot.slack.text import escape

# Slack sends mentions in commands as <@U123|name> (escaped) or, unescaped, as "@name".
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_PLAIN_OWNER = re.compile(r"^@([\w.\-]{1,63})$")
_DUE = re.compile(r"^due[:=]?(.*)$", re.IGNORECASE)
TEXT_LIMIT = 2000


@dataclass(frozen=True)
class ParsedItem:
    text: str
    owner: str | None
    due: date | None


def parse_due(value: str, today: date) -> date:
    """YYYY-MM-DD, or a duration from today such as 7d or 2w."""
    value = value.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    weeks = re.fullmatch(r"(\d+)\s*w", value)
    if weeks:
        return today + timedelta(weeks=int(weeks.group(1)))
    try:
        return today + parse_duration(value)
    except ValueError:
        raise ValidationFailed(
            f"due date {value!r} is not a date (write 2026-03-31, or 7d / 2w from today)",
            field="due",
        ) from None


def owner_of(token: str) -> str | None:
    mention = _MENTION.match(token)
    if mention:
        return mention.group(1)
    plain = _PLAIN_OWNER.match(token)
    return plain.group(1) if plain else None


def parse_command(args: str, today: date) -> ParsedItem:
    """`<text> [@owner] [due YYYY-MM-DD]`, the owner and due date anywhere in the line.

    `due` followed by something that starts with a digit is a due date (and an error when
    it is not one: a mistyped date must not vanish into the text); `due process` is text.
    """
    words = args.split()
    kept: list[str] = []
    owner: str | None = None
    due: date | None = None
    i = 0
    while i < len(words):
        word = words[i]
        due_match = _DUE.match(word)
        value = due_match.group(1) if due_match else ""
        if due_match and not value and i + 1 < len(words):
            value = words[i + 1]
        if owner is None and owner_of(word):
            owner = owner_of(word)
        elif due is None and due_match and value[:1].isdigit():
            if not due_match.group(1):
                i += 1  # the date was the next word
            due = parse_due(value, today)
        else:
            kept.append(word)
        i += 1
    text = " ".join(kept).strip()
    if not text:
        raise ValidationFailed(
            "say what should be done: /cre action <text> [@owner] [due YYYY-MM-DD]", field="text"
        )
    return ParsedItem(text[:TEXT_LIMIT], owner, due)


def due_datetime(due: date | None) -> datetime | None:
    return None if due is None else datetime.combine(due, time(0, 0), tzinfo=UTC)


async def add(
    session: AsyncSession,
    incident: Incident,
    item: ParsedItem,
    *,
    user: str,
    now: datetime,
) -> ActionItem:
    row = ActionItem(
        incident_id=incident.id,
        text=item.text,
        owner=item.owner,
        due_date=due_datetime(item.due),
        created_by=user,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    who = f" (owner {describe_owner(item.owner)})" if item.owner else ""
    when = f", due {item.due.isoformat()}" if item.due else ""
    add_entry(
        session,
        incident.id,
        at=now,
        kind=EntryKind.NOTE,
        actor=user,
        text=f"Action item by <@{user}>: {escape(item.text)}{who}{when}",
        action_item=row.id,
    )
    return row


def describe_owner(owner: str | None) -> str:
    """Slack mrkdwn for an owner: a mention for user ids, the name otherwise."""
    if owner is None:
        return "nobody yet"
    if re.fullmatch(r"[UW][A-Z0-9]+", owner):
        return f"<@{owner}>"
    return escape(owner)


async def for_incident(session: AsyncSession, incident_id: int) -> list[ActionItem]:
    stmt = (
        select(ActionItem)
        .where(ActionItem.incident_id == incident_id)
        .order_by(ActionItem.created_at, ActionItem.id)
    )
    return list((await session.scalars(stmt)).all())


async def count_for(session: AsyncSession, incident_id: int) -> int:
    stmt = select(func.count()).select_from(ActionItem).where(ActionItem.incident_id == incident_id)
    return int(await session.scalar(stmt) or 0)
