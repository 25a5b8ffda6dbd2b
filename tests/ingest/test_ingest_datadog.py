"""Datadog webhooks sent with crebot's payload template (docs/webhooks.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.errors import PayloadError
from bot.ingest.alert import AlertStatus, ParsedBatch
from bot.ingest.parse import parse_delivery

Load = Callable[[str], dict[str, Any]]
Deliver = Callable[..., ParsedBatch]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def test_a_triggered_multi_alert_monitor(load: Load, deliver: Deliver) -> None:
    (alert,) = deliver("datadog", load("datadog_triggered.json")).alerts
    assert alert.source == "datadog"
    # Monitor id + the scope, sorted, so every notification of this group shares it.
    assert alert.dedup_key == "148392071:env:prod,tenant:northwind"
    assert alert.status is AlertStatus.FIRING
    assert alert.tenant == "northwind"
    assert alert.summary == "Tenant API error rate high"
    assert alert.labels["alertname"] == "Tenant API error rate high"
    assert alert.labels["monitor_id"] == "148392071"
    assert alert.labels["priority"] == "P2"
    assert alert.labels["alert_type"] == "error"
    assert alert.labels["metric"] == "trace.http.request.errors"
    assert alert.labels["team"] == "identity"
    assert alert.labels["monitor"] == ""  # a bare tag
    assert "host" not in alert.labels  # $HOSTNAME was empty
    assert alert.description.startswith("The API error rate for tenant northwind is 7.3%")
    assert "%%%" not in alert.description
    assert alert.starts_at is None and alert.ends_at is None
    assert alert.links == {"source": "https://app.datadoghq.com/event/event?id=7946184620138472215"}


def test_the_recovery_matches_the_trigger(load: Load, deliver: Deliver) -> None:
    (fired,) = deliver("datadog", load("datadog_triggered.json")).alerts
    (recovered,) = deliver("datadog", load("datadog_recovered.json")).alerts
    assert recovered.dedup_key == fired.dedup_key
    assert recovered.status is AlertStatus.RESOLVED
    assert recovered.tenant == "northwind"
    assert recovered.ends_at == datetime(2026, 3, 14, 10, 32, 17, tzinfo=UTC)
    assert recovered.summary == "Tenant API error rate high"


@pytest.mark.parametrize(
    ("transition", "alert_type", "status"),
    [
        ("Re-Triggered", "error", AlertStatus.FIRING),
        ("Warn", "warning", AlertStatus.FIRING),
        ("Re-Warn", "warning", AlertStatus.FIRING),
        ("No Data", "error", AlertStatus.FIRING),
        ("Re-No Data", "error", AlertStatus.FIRING),
        ("Renotify", "error", AlertStatus.FIRING),
        ("recovered", "success", AlertStatus.RESOLVED),
        ("", "success", AlertStatus.RESOLVED),
        ("Null", "error", AlertStatus.FIRING),
    ],
)
def test_transitions(
    transition: str, alert_type: str, status: AlertStatus, load: Load, deliver: Deliver
) -> None:
    payload = load("datadog_triggered.json")
    payload.update(alert_transition=transition, alert_type=alert_type)
    assert deliver("datadog", payload).alerts[0].status is status


def test_an_unknown_transition_is_refused(load: Load, deliver: Deliver) -> None:
    payload = load("datadog_triggered.json")
    payload.update(alert_transition="Muted", alert_type="info")
    with pytest.raises(PayloadError) as info:
        deliver("datadog", payload)
    assert info.value.field == "alert_transition"


def test_the_default_template_is_refused_with_a_pointer(load: Load, deliver: Deliver) -> None:
    with pytest.raises(PayloadError) as info:
        deliver("datadog", load("datadog_default.json"))
    assert info.value.field == "alert_id"
    assert "docs/webhooks.md" in info.value.message


def test_a_simple_monitor_has_no_scope(deliver: Deliver) -> None:
    body = {"alert_id": 77, "alert_transition": "Triggered", "alert_scope": "", "tags": ""}
    (alert,) = deliver("datadog", body).alerts
    assert alert.dedup_key == "77"
    assert alert.tenant is None
    assert alert.summary == "77"


def test_tenant_sources_in_order(load: Load, deliver: Deliver) -> None:
    payload = load("datadog_triggered.json")
    payload["alert_scope"] = "env:prod"
    assert deliver("datadog", payload).alerts[0].tenant == "northwind"  # from $TAGS
    payload["tenant"] = " tailspin "
    assert deliver("datadog", payload).alerts[0].tenant == "tailspin"  # explicit field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"alert_id": ""}, "alert_id"),
        ({"alert_id": None}, "alert_id"),
        ({"alert_id": ["1"]}, "alert_id"),
        ({"date": "yesterday", "alert_transition": "Recovered"}, "date"),
        ({"tags": {"tenant": "x"}}, "tags"),
    ],
)
def test_bad_fields_are_named(
    change: dict[str, Any], field: str, load: Load, deliver: Deliver
) -> None:
    payload = load("datadog_triggered.json")
    payload.update(change)
    with pytest.raises(PayloadError) as info:
        deliver("datadog", payload)
    assert info.value.field == field


def test_form_encoded_delivery(load: Load) -> None:
    payload = load("datadog_recovered.json")
    del payload["org"]  # form fields are flat
    body = urlencode(payload).encode()
    (alert,) = parse_delivery("datadog", body, "application/x-www-form-urlencoded").alerts
    assert alert.dedup_key == "148392071:env:prod,tenant:northwind"
    assert alert.status is AlertStatus.RESOLVED
    assert alert.ends_at == datetime(2026, 3, 14, 10, 32, 17, tzinfo=UTC)


def test_a_very_long_scope_gives_a_bounded_key(load: Load, deliver: Deliver) -> None:
    payload = load("datadog_triggered.json")
    payload["alert_scope"] = ",".join(f"pod:api-{i:04d}" for i in range(40))
    key = deliver("datadog", payload).alerts[0].dedup_key
    assert key.startswith("sha256:") and len(key) == 71
    assert deliver("datadog", payload).alerts[0].dedup_key == key


def test_the_documented_template_is_what_the_adapter_reads() -> None:
    """docs/webhooks.md's template, with variables filled in, must parse."""
    text = DOCS.read_text(encoding="utf-8")
    template = re.search(r"```json\n(\{\n  \"id\": \"\$ID\".*?\n\})\n```", text, re.S)
    assert template is not None, "the Datadog payload template is missing from the docs"
    filled = (
        template.group(1)
        .replace("$ALERT_ID", "42")
        .replace("$ALERT_TRANSITION", "Triggered")
        .replace("$ALERT_SCOPE", "tenant:acme")
        .replace("$DATE", "1773482531000")
    )
    (alert,) = parse_delivery("datadog", filled.encode(), "application/json").alerts
    assert (alert.dedup_key, alert.tenant) == ("42:tenant:acme", "acme")
