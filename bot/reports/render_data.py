"""The report as data: a JSON document and a long-form CSV (one figure per row).

The CSV is "tidy": `section, subject, metric, value, previous`, so a spreadsheet pivots it
any way it likes and every table of the report fits in one file. Durations are seconds.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from bot.reports.figures import Measure
from bot.reports.formatting import difference, points, seconds
from bot.reports.report import Period, Report, TenantFigures, TenantReport


def _period(p: Period) -> dict[str, str]:
    return {"since": p.since.isoformat(), "until": p.until.isoformat()}


def _figures(f: TenantFigures) -> dict[str, Any]:
    return {
        "incidents": f.incidents,
        "detected_automatically": f.detected_automatically,
        "automatic_share": f.automatic_share,
        "times": {
            m.value: {
                "median": seconds(f.times[m].median),
                "p90": seconds(f.times[m].p90),
                "count": f.times[m].count,
            }
            for m in Measure
        },
        "slo": {"met": f.slo_met, "breached": f.slo_breached, "attainment": f.slo_attainment},
        "escalations": f.escalations,
        "customer_messages": f.customer_messages,
        "repeat_incidents": f.repeat_incidents,
        "impact_minutes": round(f.impact_minutes, 3),
    }


def _change(t: TenantReport) -> dict[str, Any]:
    c, p = t.current, t.previous
    return {
        "incidents": c.incidents - p.incidents,
        "automatic_share_points": points(c.automatic_share, p.automatic_share),
        "slo_attainment_points": points(c.slo_attainment, p.slo_attainment),
        "escalations": c.escalations - p.escalations,
        "customer_messages": c.customer_messages - p.customer_messages,
        "repeat_incidents": c.repeat_incidents - p.repeat_incidents,
        "times": {
            m.value: {
                "median": seconds(difference(c.times[m].median, p.times[m].median)),
                "p90": seconds(difference(c.times[m].p90, p.times[m].p90)),
            }
            for m in Measure
        },
    }


def as_dict(report: Report) -> dict[str, Any]:
    return {
        "period": _period(report.period),
        "previous_period": _period(report.previous_period),
        "generated_at": report.generated_at.isoformat(),
        "tenant": report.tenant_filter,
        "tenants": [
            {
                "id": t.tenant_id,
                "name": t.name,
                **_figures(t.current),
                "previous": _figures(t.previous),
                "change": _change(t),
            }
            for t in report.tenants
        ],
        "signatures": [
            {
                "rank": s.rank,
                "id": s.signature_id,
                "title": s.title,
                "tenants_affected": s.tenants_affected,
                "tenants": list(s.tenants),
                "incidents": s.incidents,
                "impact_minutes": round(s.impact_minutes, 3),
            }
            for s in report.signatures
        ],
        "false_positives": {
            dimension: [
                {
                    "value": r.value,
                    "reviewed": r.reviewed,
                    "false_positives": r.false_positives,
                    "rate": r.rate,
                }
                for r in rates
            ]
            for dimension, rates in report.false_positives.items()
        },
        "unreviewed": {
            "incidents": report.unreviewed.incidents,
            "alerts": report.unreviewed.alerts,
            "alert_groups": report.unreviewed.alert_groups,
        },
    }


def render_json(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2) + "\n"


def _flat(figures: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in figures.items():
        if key == "times":
            for measure, spread in value.items():
                for stat in ("median", "p90", "count"):
                    suffix = "" if stat == "count" else "_seconds"
                    out[f"{measure}_{stat}{suffix}"] = spread[stat]
        elif key == "slo":
            out["slo_met"], out["slo_breached"] = value["met"], value["breached"]
            out["slo_attainment"] = value["attainment"]
        else:
            out[key] = value
    return out


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return value


def render_csv(report: Report) -> str:
    data = as_dict(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "subject", "metric", "value", "previous"])
    for tenant in data["tenants"]:
        now, before = _flat(tenant), _flat(tenant["previous"])
        for metric, value in now.items():
            if metric in ("id", "name", "previous", "change"):
                continue
            writer.writerow(["tenant", tenant["id"], metric, _cell(value), _cell(before[metric])])
    for s in data["signatures"]:
        for metric in ("rank", "tenants_affected", "incidents", "impact_minutes"):
            writer.writerow(["signature", s["id"], metric, _cell(s[metric]), ""])
    for dimension, rates in data["false_positives"].items():
        for r in rates:
            for metric in ("reviewed", "false_positives", "rate"):
                writer.writerow(
                    [f"false_positive_{dimension}", r["value"], metric, _cell(r[metric]), ""]
                )
    for metric, value in data["unreviewed"].items():
        writer.writerow(["unreviewed", report.tenant_filter or "all", metric, value, ""])
    return buffer.getvalue()
