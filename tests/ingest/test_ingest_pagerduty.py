"""PagerDuty Events API v2 bodies from any emitter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.errors import PayloadError
from bot.ingest.alert import AlertProblem, AlertStatus, ParsedBatch

Load = Callable[[str], dict[str, Any]]
Deliver = Callable[..., ParsedBatch]
KEY = "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea"


def test_a_trigger_from_alertmanager(load: Load, deliver: Deliver) -> None:
    (alert,) = deliver("pagerduty", load("pagerduty_trigger.json")).alerts
    assert (alert.source, alert.dedup_key, alert.status) == ("pagerduty", KEY, AlertStatus.FIRING)
    assert alert.tenant == "contoso"
    assert alert.summary == "[FIRING:1] TenantLoginSuccessRateLow (contoso critical)"
    assert alert.labels["alertname"] == "TenantLoginSuccessRateLow"  # from class
    assert alert.labels["severity"] == "critical"
    assert alert.labels["source"] == "Alertmanager"
    assert alert.labels["component"] == "identity"
    assert alert.labels["group"] == "eu-west-1"
    assert alert.labels["num_firing"] == "1"
    # Alertmanager's multi-line alert list is kept whole in the description.
    assert "firing:\nLabels:\n - alertname = TenantLoginSuccessRateLow\n" in alert.description
    assert "tenant: contoso" in alert.description
    assert alert.starts_at is None and alert.ends_at is None
    assert alert.links == {
        "source": "https://alertmanager.example/#/alerts?receiver=crebot-pd",
        "Login dashboard": "https://grafana.example/d/login?var-tenant=contoso",
        "link 2": "https://runbooks.example/identity/login-success",
        "image": "https://grafana.example/render/d-solo/login.png",
    }


def test_a_resolve_without_payload(load: Load, deliver: Deliver) -> None:
    (alert,) = deliver("pagerduty", load("pagerduty_resolve.json")).alerts
    assert (alert.dedup_key, alert.status, alert.tenant) == (KEY, AlertStatus.RESOLVED, None)
    assert alert.labels == {}
    assert alert.summary == KEY


def test_acknowledge_is_ignored_with_a_reason(load: Load, deliver: Deliver) -> None:
    batch = deliver("pagerduty", load("pagerduty_acknowledge.json"))
    assert batch.alerts == []
    assert batch.problems == [
        AlertProblem(
            0,
            "event_action",
            "acknowledge events are not tracked: acknowledge the incident in Slack",
        )
    ]


def test_a_trigger_without_dedup_key_gets_a_stable_one(load: Load, deliver: Deliver) -> None:
    payload = load("pagerduty_trigger_no_dedup.json")
    (alert,) = deliver("pagerduty", payload).alerts
    assert alert.dedup_key.startswith("crebot:") and len(alert.dedup_key) == 39
    assert deliver("pagerduty", payload).alerts[0].dedup_key == alert.dedup_key
    assert alert.tenant == "tailspin"
    # Numbers and booleans become JSON text; the list is no label.
    assert alert.labels["p95_ms"] == "2840"
    assert alert.labels["healthy"] == "false"
    assert "probes" not in alert.labels
    assert "alertname" not in alert.labels  # neither class nor custom_details.alertname
    payload["payload"]["summary"] = "Checkout latency above SLO for wingtip"
    assert deliver("pagerduty", payload).alerts[0].dedup_key != alert.dedup_key


def test_custom_details_alertname_wins_over_class(load: Load, deliver: Deliver) -> None:
    payload = load("pagerduty_trigger.json")
    payload["payload"]["custom_details"]["alertname"] = "LoginSLO"
    assert deliver("pagerduty", payload).alerts[0].labels["alertname"] == "LoginSLO"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"event_action": "escalate"}, "event_action", "'trigger', 'acknowledge' or 'resolve'"),
        ({"event_action": None}, "event_action", "must be"),
        ({"payload": None}, "payload", "required for a trigger"),
        ({"payload": "down"}, "payload", "must be an object, not a string"),
        ({"payload": {"source": "x", "severity": "error"}}, "payload.summary", "required"),
        ({"payload": {"summary": 5}}, "payload.summary", "must be a string"),
        ({"dedup_key": 17}, "dedup_key", "must be a string, not a number"),
    ],
)
def test_bad_triggers_are_refused_naming_the_field(
    change: dict[str, Any], field: str, words: str, load: Load, deliver: Deliver
) -> None:
    payload = load("pagerduty_trigger.json")
    payload.update(change)
    with pytest.raises(PayloadError) as info:
        deliver("pagerduty", payload)
    assert info.value.field == field
    assert words in info.value.message


def test_a_resolve_needs_its_key(deliver: Deliver) -> None:
    with pytest.raises(PayloadError) as info:
        deliver("pagerduty", {"routing_key": "r", "event_action": "resolve", "dedup_key": " "})
    assert info.value.field == "dedup_key"


def test_an_events_v1_body_is_named_as_such(deliver: Deliver) -> None:
    body = {"service_key": "abc", "event_type": "trigger", "description": "disk full"}
    with pytest.raises(PayloadError) as info:
        deliver("pagerduty", body)
    assert info.value.field == "event_action"
    assert "Events API v1" in info.value.message


def test_malformed_links_and_details_are_tolerated(load: Load, deliver: Deliver) -> None:
    payload = load("pagerduty_trigger.json")
    payload["links"] = ["https://x.example", {"href": 5}, {"href": "javascript:alert(1)"}]
    payload["images"] = {"src": "nope"}
    payload["payload"]["custom_details"] = "free text details"
    (alert,) = deliver("pagerduty", payload).alerts
    assert alert.links == {"source": "https://alertmanager.example/#/alerts?receiver=crebot-pd"}
    assert alert.description == "free text details"
    assert alert.tenant is None
