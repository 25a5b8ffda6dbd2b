"""Alertmanager webhook bodies (version 4) and Grafana's extension of them (version 1)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.errors import PayloadError
from bot.ingest.alert import AlertProblem, AlertStatus, ParsedBatch

Load = Callable[[str], dict[str, Any]]
Deliver = Callable[..., ParsedBatch]


def test_a_grouped_firing_body_gives_one_alert_per_entry(load: Load, deliver: Deliver) -> None:
    batch = deliver("alertmanager", load("alertmanager_firing_group.json"))
    assert batch.problems == []
    assert [a.dedup_key for a in batch.alerts] == [
        "5d0a8c3e7f1b2a94",
        "c41f09e2b7d65a13",
        "0e9b6d2f4a8c1357",
    ]
    # The tenant is per alert: the group spans two tenants and one platform-wide alert.
    assert [a.tenant for a in batch.alerts] == ["contoso", "fabrikam", None]
    assert {a.status for a in batch.alerts} == {AlertStatus.FIRING}
    assert {a.source for a in batch.alerts} == {"alertmanager"}

    first = batch.alerts[0]
    assert first.starts_at == datetime(2026, 3, 14, 10, 58, 30, 512345, tzinfo=UTC)
    assert first.ends_at is None  # the zero endsAt of a firing alert
    assert first.summary == "Login success rate for contoso is 91.2%"
    assert first.description.startswith("Fewer than 95% of logins for tenant contoso")
    assert first.labels["alertname"] == "TenantLoginSuccessRateLow"
    assert first.labels["severity"] == "critical"
    assert first.links == {
        "source": "https://prometheus.example/graph?g0.expr=tenant%3Alogin_success%3Aratio10m"
        "+%3C+0.95&g0.tab=1",
        "runbook": "https://runbooks.example/identity/login-success",
    }
    assert first.raw == load("alertmanager_firing_group.json")["alerts"][0]
    # Go's HTML escaping is undone by the JSON parser; Slack escaping is the renderer's job.
    assert batch.alerts[1].labels["note"] == "<!channel>"
    # No summary annotation on the third: the alert name stands in.
    assert batch.alerts[2].summary == "Login success rate across all tenants is 93.5%"
    assert batch.alerts[2].description == ""


def test_a_resolved_alert_keeps_its_end_in_utc(load: Load, deliver: Deliver) -> None:
    batch = deliver("alertmanager", load("alertmanager_resolved.json"))
    (alert,) = batch.alerts
    assert alert.status is AlertStatus.RESOLVED
    assert alert.dedup_key == "9f3e1d7c5b2a0864"
    assert alert.tenant == "contoso"
    assert alert.starts_at == datetime(2026, 3, 14, 9, 10, tzinfo=UTC)
    assert alert.ends_at == datetime(2026, 3, 14, 13, 42, 17, 318000, tzinfo=UTC)


def test_alerts_cut_by_the_sender_are_reported(load: Load, deliver: Deliver) -> None:
    batch = deliver("alertmanager", load("alertmanager_resolved.json"))
    assert len(batch.alerts) == 1
    (note,) = batch.problems
    assert (note.index, note.field) == (None, "truncatedAlerts")
    assert "2 alerts" in note.message


def test_missing_optional_fields_are_fine(deliver: Deliver) -> None:
    body = {"alerts": [{"status": "firing", "labels": {"alertname": "Up", "tenant": "  "}}]}
    (alert,) = deliver("alertmanager", body).alerts
    assert alert.tenant is None  # blank tenant label
    assert alert.starts_at is None and alert.ends_at is None
    assert alert.summary == "Up"
    assert alert.links == {}
    # Without a fingerprint the key is a stable hash of the labels.
    again = deliver(
        "alertmanager",
        {"alerts": [{"status": "resolved", "labels": {"tenant": "  ", "alertname": "Up"}}]},
    )
    assert again.alerts[0].dedup_key == alert.dedup_key
    assert len(alert.dedup_key) == 16


@pytest.mark.parametrize("source", ["alertmanager", "grafana"])
def test_one_bad_alert_does_not_sink_the_batch(source: str, load: Load, deliver: Deliver) -> None:
    payload = load("alertmanager_firing_group.json")
    payload["alerts"][1]["startsAt"] = 5
    batch = deliver(source, payload)
    assert [a.tenant for a in batch.alerts] == ["contoso", None]
    assert batch.problems == [AlertProblem(1, "alerts[1].startsAt", "not an RFC 3339 time (got 5)")]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"status": "pending"}, "alerts[0].status", "must be 'firing' or 'resolved'"),
        ({"status": None}, "alerts[0].status", "must be 'firing' or 'resolved'"),
        ({"startsAt": "2026-03-14"}, "alerts[0].startsAt", "not an RFC 3339 time"),
        ({"endsAt": "2026-03-14T10:00:00"}, "alerts[0].endsAt", "needs an offset"),
        ({"labels": "tenant=contoso"}, "alerts[0].labels", "must be an object, not a string"),
        ({"fingerprint": 42}, "alerts[0].fingerprint", "must be a string, not a number"),
        ({"fingerprint": None, "labels": {}}, "alerts[0].fingerprint", "no labels"),
    ],
)
def test_per_alert_problems_name_the_field(
    change: dict[str, Any], field: str, words: str, load: Load, deliver: Deliver
) -> None:
    payload = load("alertmanager_resolved.json")
    payload["alerts"][0].update(change)
    batch = deliver("alertmanager", payload)
    assert batch.alerts == []
    problem = batch.problems[0]
    assert (problem.index, problem.field) == (0, field)
    assert words in problem.message


def test_an_alert_that_is_not_an_object_is_a_problem(deliver: Deliver) -> None:
    batch = deliver("alertmanager", {"alerts": ["firing", None]})
    assert [(p.index, p.field) for p in batch.problems] == [(0, "alerts[0]"), (1, "alerts[1]")]
    assert batch.problems[0].message == "must be an object, not a string"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"alerts": "x"}, "alerts", "must be a list, not a string"),
        ({"status": "firing"}, "alerts", "required"),
        ({"alerts": [], "version": 4}, "version", "must be a string, not a number"),
        ({"alerts": None}, "alerts", "must be a list, not null"),
        ({"alerts": [], "truncatedAlerts": "many"}, "truncatedAlerts", "must be an integer"),
    ],
)
def test_envelope_problems_refuse_the_body(
    body: dict[str, Any], field: str, words: str, deliver: Deliver
) -> None:
    with pytest.raises(PayloadError) as info:
        deliver("alertmanager", body)
    assert info.value.field == field
    assert words in info.value.message


def test_an_empty_group_is_accepted(deliver: Deliver) -> None:
    assert deliver("alertmanager", {"alerts": []}) == ParsedBatch()


def test_grafana_groups_and_links(load: Load, deliver: Deliver) -> None:
    batch = deliver("grafana", load("grafana_firing.json"))
    assert batch.problems == []
    contoso, fabrikam = batch.alerts
    assert (contoso.source, contoso.dedup_key, contoso.tenant) == (
        "grafana",
        "8b3f0c6a1d2e4f57",
        "contoso",
    )
    assert (fabrikam.dedup_key, fabrikam.tenant) == ("2c7e9a1b3d5f0864", "fabrikam")
    assert contoso.starts_at == datetime(2026, 3, 14, 11, 15, tzinfo=UTC)  # from -05:00
    assert contoso.labels["alertname"] == "Tenant p95 latency high"
    assert contoso.labels["grafana_folder"] == "Tenants"
    assert set(contoso.links) == {"source", "silence", "dashboard", "panel"}
    assert contoso.links["panel"] == "https://grafana.example/d/tenant-latency?orgId=1&viewPanel=4"
    # Empty dashboard and panel URLs are no links.
    assert set(fabrikam.links) == {"source", "silence"}
    assert contoso.raw["values"] == {"A": 2.84, "C": 1}


def test_grafana_resolved(load: Load, deliver: Deliver) -> None:
    (alert,) = deliver("grafana", load("grafana_resolved.json")).alerts
    assert alert.status is AlertStatus.RESOLVED
    assert alert.ends_at == datetime(2026, 3, 14, 11, 40, tzinfo=UTC)
    assert alert.dedup_key == "8b3f0c6a1d2e4f57"


def test_grafana_envelope_types_are_checked(load: Load, deliver: Deliver) -> None:
    payload = load("grafana_firing.json")
    payload["orgId"] = {"id": 1}
    with pytest.raises(PayloadError) as info:
        deliver("grafana", payload)
    assert info.value.field == "orgId"
