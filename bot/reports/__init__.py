"""Figures, reports and postmortems: what crebot learns from its incidents.

    figures.compute(facts, now) -> IncidentFigures        per incident: times, SLO, detection
    report.generate(session, period, now, tenant) -> Report
    render(report, "md" | "json" | "csv") -> str
    postmortem.render_postmortem(session, domain, incident_id, now) -> str

Pure computation over loaded facts (bot.reports.facts does the loading), so every figure is
testable by hand; nothing here imports Slack or FastAPI.
"""

from __future__ import annotations

from bot.reports import postmortem
from bot.reports.render_data import render_csv, render_json
from bot.reports.render_md import render_markdown
from bot.reports.report import Period, Report, generate

FORMATS = ("md", "json", "csv")


def render(report: Report, fmt: str) -> str:
    if fmt == "md":
        return render_markdown(report)
    if fmt == "json":
        return render_json(report)
    if fmt == "csv":
        return render_csv(report)
    raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "Period", "Report", "generate", "postmortem", "render"]
