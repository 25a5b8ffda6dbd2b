"""Short messages about an incident posted outside its channel: the owning team's channel
and the support channel. Each is (text, blocks); the text doubles as the notification."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.incidents.view import HeaderView
from bot.slack.blocks.fit import SECTION_LIMIT, channel_ref, fit, link
from bot.slack.text import date_token

Notice = tuple[str, list[Block]]


def _where(view: HeaderView, permalink: str | None) -> str:
    ref = channel_ref(view.channel_id)
    if permalink:
        return f"{ref} ({link(permalink, 'header')})"
    return ref


def _what(view: HeaderView) -> str:
    return (
        f"#{view.number} *{fit(view.tenant_name, 200)}*: {fit(view.signature_title, 200)} "
        f"({fit(view.severity, 16)})"
    )


def team_notice(view: HeaderView, team: str, permalink: str | None) -> Notice:
    """Routing is an action: the owning team hears of the incident in its own channel."""
    text = fit(
        f"Incident #{view.number} for {view.tenant_name} is routed to {team}: "
        f"{view.signature_title}",
        300,
    )
    body = (
        f":rotating_light: Incident {_what(view)} is routed to *{fit(team, 64)}*.\n"
        f"Your team is invited to {_where(view, permalink)}; acknowledge there by "
        f"{date_token(view.response_deadline, '{time}')}."
    )
    return text, [SectionBlock(text=MarkdownTextObject(text=body[:SECTION_LIMIT]))]


def support_opened(view: HeaderView, permalink: str | None) -> Notice:
    text = fit(f"Incident #{view.number} opened for {view.tenant_name}", 300)
    body = (
        f":large_orange_circle: Incident {_what(view)} opened {date_token(view.opened_at)}.\n"
        f"Responders work in {_where(view, permalink)}."
    )
    return text, [SectionBlock(text=MarkdownTextObject(text=body[:SECTION_LIMIT]))]


def _duration(start: datetime, end: datetime) -> str:
    minutes = max(0, int((end - start).total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def support_resolved(view: HeaderView, resolved_at: datetime) -> Notice:
    text = fit(f"Incident #{view.number} resolved for {view.tenant_name}", 300)
    verdict = " as a false positive" if view.false_positive else ""
    body = (
        f":white_check_mark: Incident {_what(view)} resolved{verdict} "
        f"{date_token(resolved_at)}, {_duration(view.opened_at, resolved_at)} after it opened."
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=body[:SECTION_LIMIT]))]
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=f"Channel: {channel_ref(view.channel_id)}")])
    )
    return text, blocks
