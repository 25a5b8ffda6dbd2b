"""Listings: `/cre list`, `/cre status` and the App Home tab. Pure functions of query rows."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.incidents.queries import IncidentRow, TenantGroup
from bot.incidents.view import HeaderView
from bot.slack.blocks.fit import (
    MESSAGE_BLOCKS,
    SECTION_LIMIT,
    VIEW_BLOCKS,
    channel_ref,
    fit,
    plain,
    user_ref,
)
from bot.slack.blocks.header import STATUS_ICON, alerts_text, clock_text
from bot.slack.text import date_token

# Slack refuses a message whose blocks hold too much text in all (msg_blocks_too_long,
# observed near 13,000 characters) and a view over 250 kB (view_too_large).
MESSAGE_BUDGET = 11_000
VIEW_BUDGET = 150_000


def clock_phrase(row: IncidentRow, now: datetime) -> str:
    if row.acknowledged_at is not None:
        return f"acknowledged by {user_ref(row.acknowledged_by)}"
    if row.overdue(now):
        return f":warning: *overdue* since {date_token(row.response_deadline, '{time}')}"
    return f"acknowledge by {date_token(row.response_deadline, '{time}')}"


def incident_line(row: IncidentRow, now: datetime) -> str:
    icon = STATUS_ICON.get(row.status, "")
    resolved = " · alerts resolved" if row.all_alerts_resolved else ""
    return (
        f"{icon} *#{row.number}* {fit(row.severity, 16)} {fit(row.signature_title, 120)} "
        f"· {row.status.value} · {clock_phrase(row, now)}{resolved} · "
        f"{channel_ref(row.channel_id, 'room opening…')}"
    )


def _tenant_section(group: TenantGroup, now: datetime, *, quiet_text: str) -> SectionBlock:
    tier = f" ({fit(group.tier, 40)})" if group.tier else ""
    title = f"*{fit(group.name, 200)}*{tier}"
    if not group.incidents:
        return SectionBlock(text=MarkdownTextObject(text=f"{title}\n{quiet_text}"))
    lines = [title]
    for i, row in enumerate(group.incidents):
        line = incident_line(row, now)
        if sum(len(x) + 1 for x in lines) + len(line) > SECTION_LIMIT - 60:
            lines.append(f"_…and {len(group.incidents) - i} more_")
            break
        lines.append(line)
    return SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))


def _size(block: Block) -> int:
    return len(str(block.to_dict()))


def _fit_blocks(
    blocks: list[Block], sections: list[Block], *, limit: int, tail: int, budget: int
) -> None:
    """Append sections while there is room for `tail` closing blocks and the text stays
    within `budget` characters, then say how many tenants were left out."""
    room = limit - len(blocks) - tail - 1
    used = sum(_size(b) for b in blocks)
    shown = 0
    for section in sections[:room]:
        used += _size(section)
        if used > budget:
            break
        blocks.append(section)
        shown += 1
    if shown < len(sections):
        left = len(sections) - shown
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"…and {left} more tenant(s).")])
        )


def list_message(groups: list[TenantGroup], now: datetime) -> tuple[str, list[Block]]:
    count = sum(len(g.incidents) for g in groups)
    if count == 0:
        text = "No open incidents. :sunny:"
        return text, [SectionBlock(text=MarkdownTextObject(text=text))]
    text = f"{count} open incident(s) across {len(groups)} tenant(s)"
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="Open incidents"))]
    sections: list[Block] = [_tenant_section(g, now, quiet_text="") for g in groups]
    _fit_blocks(blocks, sections, limit=MESSAGE_BLOCKS, tail=1, budget=MESSAGE_BUDGET)
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=text)]))
    return text, blocks


def status_message(view: HeaderView) -> tuple[str, list[Block]]:
    """`/cre status`: the header's facts, for one person, without the buttons."""
    text = fit(
        f"Incident #{view.number}: {view.status.value}, {view.severity}, {view.tenant_name}", 300
    )
    lines = [
        f"*Status*: {STATUS_ICON.get(view.status, '')} {view.status.value}",
        f"*Tenant*: {fit(view.tenant_name, 200)}",
        f"*Signature*: {fit(view.signature_title, 200)} ({fit(view.severity, 16)})",
        f"*Alerts*: {alerts_text(view)}",
        f"*Response*: {clock_text(view)}",
        f"*Opened*: {date_token(view.opened_at)}",
    ]
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=plain(f"Incident #{view.number}", 150))),
        SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:SECTION_LIMIT])),
    ]
    return text, blocks


def home_view(groups: list[TenantGroup], now: datetime) -> View:
    """The App Home: every key tenant, its open incidents and their clocks."""
    open_count = sum(len(g.incidents) for g in groups)
    overdue = sum(1 for g in groups for r in g.incidents if r.overdue(now))
    summary = f"{open_count} open incident(s)"
    if overdue:
        summary += f", :warning: {overdue} past the response deadline"
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="Key tenants")),
        ContextBlock(
            elements=[MarkdownTextObject(text=f"{summary} · as of {date_token(now, '{time}')}")]
        ),
        DividerBlock(),
    ]
    sections: list[Block] = [
        _tenant_section(g, now, quiet_text=":large_green_circle: no open incidents") for g in groups
    ]
    _fit_blocks(blocks, sections, limit=VIEW_BLOCKS, tail=1, budget=VIEW_BUDGET)
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="`/cre list` lists open incidents anywhere; `/cre status` in an "
                    "incident channel shows its clock."
                )
            ]
        )
    )
    return View(type="home", blocks=blocks)
