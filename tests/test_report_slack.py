"""The report where people read it: `/cre report`, `GET /api/report` and /metrics."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from bot.incidents import service as incidents
from tests.harness import Harness
from tests.room_kit import open_incident, settle

ONCALL = "U0ONCALL1"


async def resolved_contoso_and_open_fabrikam(h: Harness) -> None:
    """contoso: opened, acknowledged after 3m, resolved after 30m. fabrikam: just opened."""
    contoso = await open_incident(h)
    await h.drain()
    async with h.runtime.sessions() as session:
        row = await incidents.get(session, contoso)
        channel = str(row.channel_id)
    user = h.user(ONCALL)
    h.clock.advance(timedelta(minutes=3))
    await user.command("/cre", "ack", channel_id=channel)
    await settle()
    h.clock.advance(timedelta(minutes=27))
    await user.command("/cre", "resolve", channel_id=channel)
    await settle()
    await open_incident(h, tenant="fabrikam", playbook="search-latency", title="Search slow")
    await h.drain()


def metric(text: str, name: str, **labels: str) -> float:
    """One sample of the exposition text, whatever order its labels are written in."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    raise AssertionError(f"no sample {name}{labels}")


async def test_metrics_show_the_report_figures(harness: Harness) -> None:
    h = harness
    await resolved_contoso_and_open_fabrikam(h)
    text = (await h.http.get("/metrics")).text
    assert metric(text, "crebot_report_incidents", tenant="contoso") == 1
    assert metric(text, "crebot_report_incidents", tenant="fabrikam") == 1
    assert metric(text, "crebot_report_incidents", tenant="northwind") == 0
    assert metric(text, "crebot_report_detected_automatically_ratio", tenant="contoso") == 1
    time = "crebot_report_time_seconds"
    ack, resolve = "time_to_acknowledge", "time_to_resolve"
    assert metric(text, time, tenant="contoso", measure=ack, quantile="0.5") == 180
    assert metric(text, time, tenant="contoso", measure=resolve, quantile="0.9") == 1800
    slo = "crebot_report_response_slo_incidents"
    assert metric(text, slo, tenant="contoso", outcome="met") == 1
    assert metric(text, slo, tenant="fabrikam", outcome="met") == 0  # pending: neither
    assert metric(text, slo, tenant="fabrikam", outcome="breached") == 0
    assert metric(text, "crebot_report_response_slo_attainment_ratio", tenant="contoso") == 1
    assert 'crebot_report_response_slo_attainment_ratio{tenant="fabrikam"}' not in text
    sig = "crebot_report_signature_tenants_affected"
    assert metric(text, sig, signature="identity-login-failures") == 1
    assert metric(text, "crebot_report_unreviewed", kind="incidents") == 1
    assert metric(text, "crebot_report_escalations", tenant="contoso") == 0

    # Computed at most every 15 seconds of the clock, not on every scrape.
    await open_incident(h, tenant="northwind")
    text = (await h.http.get("/metrics")).text
    assert metric(text, "crebot_report_incidents", tenant="northwind") == 0
    h.clock.advance(16)
    text = (await h.http.get("/metrics")).text
    assert metric(text, "crebot_report_incidents", tenant="northwind") == 1


async def test_cre_report_answers_with_a_summary(harness: Harness) -> None:
    h = harness
    await resolved_contoso_and_open_fabrikam(h)
    user = h.user(ONCALL)
    await user.command("/cre", "report")
    await settle()
    answer = h.slack.responses()[-1]
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == "Reliability report: 2 incidents across 3 tenants."
    shown = str(answer["blocks"])
    assert "*Contoso Ltd*: 1 incidents (+1), 100% detected automatically, SLO 1/1" in shown
    assert "median ack 3m 00s" in shown and "resolve 30m 00s" in shown
    assert "1. *Identity login failures*: 1 tenants, 1 incidents" in shown
    assert "Unreviewed: 1 incidents" in shown

    await user.command("/cre", "report 7d fabrikam")
    await settle()
    answer = h.slack.responses()[-1]
    assert answer["text"] == "Reliability report: 1 incidents across 1 tenants."
    assert "Fabrikam Inc" in str(answer["blocks"]) and "Contoso" not in str(answer["blocks"])

    await user.command("/cre", "report last-month!")
    await settle()
    assert "neither a period (30d) nor a tenant id" in h.slack.responses()[-1]["text"]


async def test_the_api_serves_the_report_in_three_formats(harness: Harness) -> None:
    h = harness
    await resolved_contoso_and_open_fabrikam(h)
    headers = h.api_headers()
    data = (await h.http.get("/api/report", headers=headers)).json()
    [contoso] = [t for t in data["tenants"] if t["id"] == "contoso"]
    assert contoso["times"]["time_to_acknowledge"] == {"median": 180, "p90": 180, "count": 1}
    assert contoso["slo"] == {"met": 1, "breached": 0, "attainment": 1.0}

    csv = await h.http.get("/api/report?format=csv&tenant=contoso&since=7d", headers=headers)
    assert csv.headers["content-type"].startswith("text/csv")
    assert "tenant,contoso,incidents,1,0" in csv.text.splitlines()
    md = await h.http.get("/api/report?format=md", headers=headers)
    assert md.text.startswith("# Reliability report\n")

    assert (await h.http.get("/api/report")).status_code == 401
    bad = await h.http.get("/api/report?since=soon", headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "since"
    bad = await h.http.get("/api/report?format=xml", headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "format"
    until = (h.clock.now() - timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%SZ")
    empty = (await h.http.get(f"/api/report?until={until}", headers=headers)).json()
    assert sum(t["incidents"] for t in empty["tenants"]) == 0
