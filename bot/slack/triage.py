"""The triage channel's summary: one message per minute window of alerts that reached no
owner (bot.ingest.triage decides what goes in it), never one message per alert."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.ingest.triage import NON_KEY, TRIAGE_SUMMARY, UNCLASSIFIED, UNTENANTED, TriageGroup
from bot.ingest.triage import summarise as summarise_window
from bot.outbox.worker import Handler, OpContext
from bot.slack.text import date_token, escape, shorten

if TYPE_CHECKING:
    from bot.runtime import Runtime

# Slack refuses a section over 3000 characters; a storm of many kinds still fits one message.
LINES_PER_SECTION = 15
TENANTS_PER_LINE = 5
_LINE = 280

HEADINGS = {
    UNTENANTED: "*No tenant* · give these alerts a `tenant` label so crebot can tell whose "
    "they are",
    NON_KEY: "*Not a key tenant* · list the tenant in crebot.yaml if it should get incidents",
    UNCLASSIFIED: "*Unclassified* · key-tenant incidents no playbook matched; add one to "
    "playbooks/ to route them to an owner",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _line(group: TriageGroup) -> str:
    name = escape(group.alertname) if group.alertname else "_no alertname_"
    text = f"• `{escape(group.source)}` {name}: {_plural(group.count, 'alert')}"
    if group.tenants:
        top = sorted(group.tenants.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = ", ".join(f"{escape(t)} ({n})" for t, n in top[:TENANTS_PER_LINE])
        more = len(top) - TENANTS_PER_LINE
        text += f" · {shown}" + (f" and {more} more" if more > 0 else "")
    if group.incidents:
        ids = sorted(group.incidents)
        text += " · incident " + ", ".join(f"#{i}" for i in ids[:TENANTS_PER_LINE])
    return shorten(text, _LINE)


def triage_message(
    groups: list[TriageGroup], start: datetime, end: datetime
) -> tuple[str, list[Block]]:
    """The fallback text and blocks summarising one window (a pure function)."""
    total = sum(group.count for group in groups)
    when = f"{date_token(start, '{date_short_pretty} {time}')} to {date_token(end, '{time}')}"
    text = f"{_plural(total, 'alert')} reached no owner from {when}"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*{text}*"))]
    for reason, heading in HEADINGS.items():
        mine = [group for group in groups if group.reason == reason]
        if not mine:
            continue
        lines = [_line(group) for group in mine[:LINES_PER_SECTION]]
        hidden = mine[LINES_PER_SECTION:]
        if hidden:
            count = sum(group.count for group in hidden)
            lines.append(f"… and {_plural(len(hidden), 'more kind')} ({_plural(count, 'alert')})")
        blocks.append(SectionBlock(text=MarkdownTextObject(text=heading + "\n" + "\n".join(lines))))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Every alert is stored: `GET /api/incidents` and the alerts table "
                    "hold them. One summary per minute at most."
                )
            ]
        )
    )
    return text, blocks


def handlers(runtime: Runtime) -> dict[str, Handler]:
    async def post_summary(ctx: OpContext) -> None:
        if ctx.progress.get("ts"):
            return  # posted before a crash; the summary is not sent twice
        start = datetime.fromisoformat(ctx.payload["start"])
        end = datetime.fromisoformat(ctx.payload["end"])
        groups = await summarise_window(ctx.session, start, end)
        if not groups:
            return
        if runtime.slack_client is None:
            raise RuntimeError("Slack is not configured: the summary waits for it")
        text, blocks = triage_message(groups, start, end)
        response = await runtime.slack_client.chat_postMessage(
            channel=ctx.payload["channel"],
            text=text,
            blocks=[block.to_dict() for block in blocks],
            unfurl_links=False,
            unfurl_media=False,
        )
        await ctx.checkpoint(ts=response.get("ts"))

    return {TRIAGE_SUMMARY: post_summary}
