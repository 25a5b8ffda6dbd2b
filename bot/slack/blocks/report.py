"""`/cre report`: the reliability report, short enough for an ephemeral message."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.reports.figures import Measure
from bot.reports.formatting import duration, minutes, points, share, signed
from bot.reports.report import Report, TenantReport
from bot.slack import ids
from bot.slack.text import date_token, escape, shorten

TENANTS_SHOWN = 20
SIGNATURES_SHOWN = 5


def _tenant_line(t: TenantReport) -> str:
    c, p = t.current, t.previous
    ack = c.times[Measure.ACKNOWLEDGE].median
    clarity = c.times[Measure.FIRST_MESSAGE].median
    resolve = c.times[Measure.RESOLVE].median
    slo = f"{c.slo_met}/{c.slo_met + c.slo_breached}" if c.slo_met + c.slo_breached else "–"
    return (
        f"*{escape(t.name)}*: {c.incidents} incidents ({signed(c.incidents - p.incidents)}), "
        f"{share(c.automatic_share)} detected automatically, SLO {slo} "
        f"({signed(points(c.slo_attainment, p.slo_attainment), ' pp')}), median ack "
        f"{duration(ack)}, first message {duration(clarity)}, resolve {duration(resolve)}, "
        f"{c.escalations} escalations, {c.customer_messages} customer messages, "
        f"{c.repeat_incidents} repeats"
    )


def report_text(report: Report) -> str:
    total = sum(t.current.incidents for t in report.tenants)
    return f"Reliability report: {total} incidents across {len(report.tenants)} tenants."


def report_blocks(report: Report) -> list[Block]:
    p = report.period
    blocks: list[Block] = [
        HeaderBlock(text="Reliability report"),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"{date_token(p.since)} to {date_token(p.until)}, changes against the "
                    "period before in brackets. Full report: `crebot report` or "
                    "`GET /api/report`."
                )
            ]
        ),
    ]
    lines = [_tenant_line(t) for t in report.tenants[:TENANTS_SHOWN]]
    if len(report.tenants) > TENANTS_SHOWN:
        lines.append(f"…and {len(report.tenants) - TENANTS_SHOWN} more tenants.")
    for line in lines:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=shorten(line, 3000))))
    if report.signatures:
        ranked = [
            f"{s.rank}. *{escape(s.title)}*: {s.tenants_affected} tenants, {s.incidents} "
            f"incidents, {minutes(s.impact_minutes)} impact minutes"
            for s in report.signatures[:SIGNATURES_SHOWN]
        ]
        text = "*Failure signatures, widest first*\n" + "\n".join(ranked)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=shorten(text, 3000))))
    noisy = [r for r in report.false_positives.get("alertname", []) if r.false_positives][:5]
    if noisy:
        text = "*Most false positives (by alertname)*\n" + "\n".join(
            f"`{escape(r.value)}`: {r.false_positives} of {r.reviewed} ({share(r.rate)})"
            for r in noisy
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=shorten(text, 3000))))
    u = report.unreviewed
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Unreviewed: {u.incidents} incidents, {u.alerts} alerts in "
                    f"{u.alert_groups} groups (`{ids.COMMAND} review`)."
                )
            ]
        )
    )
    return blocks
