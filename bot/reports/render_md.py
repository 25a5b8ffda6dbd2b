"""The report as Markdown: for `crebot report`, the API and a file to paste anywhere."""

from __future__ import annotations

from bot.reports.figures import Measure
from bot.reports.formatting import (
    difference,
    duration,
    minutes,
    points,
    share,
    signed,
    signed_duration,
    utc,
)
from bot.reports.report import FalsePositiveRate, Report, TenantReport

_FP_TITLES = {"signature": "failure signature", "alertname": "alertname", "source": "source"}


def _slo(t: TenantReport) -> str:
    c = t.current
    if c.slo_met + c.slo_breached == 0:
        return "–"
    return f"{c.slo_met}/{c.slo_met + c.slo_breached} ({share(c.slo_attainment)})"


def _tenant_row(t: TenantReport) -> str:
    c, p = t.current, t.previous
    cells = [
        f"{t.name} (`{t.tenant_id}`)",
        f"{c.incidents} ({signed(c.incidents - p.incidents)})",
        f"{share(c.automatic_share)} "
        f"({signed(points(c.automatic_share, p.automatic_share), ' pp')})",
        f"{_slo(t)} ({signed(points(c.slo_attainment, p.slo_attainment), ' pp')})",
        f"{c.escalations} ({signed(c.escalations - p.escalations)})",
        f"{c.customer_messages} ({signed(c.customer_messages - p.customer_messages)})",
        f"{c.repeat_incidents} ({signed(c.repeat_incidents - p.repeat_incidents)})",
        minutes(c.impact_minutes),
    ]
    return "| " + " | ".join(cells) + " |"


def _times(t: TenantReport) -> list[str]:
    lines = [
        f"### {t.name}: response times ({t.current.incidents} incidents)",
        "",
        "| measure | median | p90 | incidents measured | previous median | change |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for m in Measure:
        now, before = t.current.times[m], t.previous.times[m]
        change = signed_duration(difference(now.median, before.median))
        lines.append(
            f"| {m.label} | {duration(now.median)} | {duration(now.p90)} | {now.count} | "
            f"{duration(before.median)} | {change} |"
        )
    return [*lines, ""]


def _rates(title: str, rates: list[FalsePositiveRate]) -> list[str]:
    lines = [f"### By {title}", ""]
    if not rates:
        return [*lines, "No reviewed alerts.", ""]
    lines += [
        "| " + title + " | reviewed alerts | false positives | rate |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{r.value}` | {r.reviewed} | {r.false_positives} | {share(r.rate)} |" for r in rates
    ]
    return [*lines, ""]


def render_markdown(report: Report) -> str:
    p, q = report.period, report.previous_period
    scope = f" for tenant `{report.tenant_filter}`" if report.tenant_filter else ""
    out = [
        f"# Reliability report{scope}",
        "",
        f"Period {utc(p.since)} to {utc(p.until)}, compared with {utc(q.since)} to "
        f"{utc(q.until)} (changes in brackets). Generated {utc(report.generated_at)}.",
        "",
        "## Tenants",
        "",
        "| tenant | incidents | detected automatically | response SLO met | escalations | "
        "customer messages | repeat incidents | impact minutes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *(_tenant_row(t) for t in report.tenants),
        "",
    ]
    for t in report.tenants:
        if t.current.incidents or t.previous.incidents:
            out += _times(t)
    out += ["## Failure signatures, widest first", ""]
    if report.signatures:
        out += [
            "| rank | signature | tenants affected | incidents | impact minutes |",
            "| --- | --- | --- | --- | --- |",
        ]
        out += [
            f"| {s.rank} | {s.title} (`{s.signature_id}`) | {s.tenants_affected} "
            f"({', '.join(s.tenants)}) | {s.incidents} | {minutes(s.impact_minutes)} |"
            for s in report.signatures
        ]
    else:
        out.append("No incidents in this period.")
    out += ["", "## False-positive rates", ""]
    for dimension, rates in report.false_positives.items():
        out += _rates(_FP_TITLES[dimension], rates)
    u = report.unreviewed
    out += [
        "## Unreviewed",
        "",
        f"- {u.incidents} resolved incidents await their review.",
        f"- {u.alerts} untenanted, non-key or unclassified alerts in {u.alert_groups} groups "
        "(by alertname and source) await a verdict.",
        "",
    ]
    return "\n".join(out)
