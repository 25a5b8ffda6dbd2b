"""Azure Monitor action-group webhooks with the common alert schema."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.errors import PayloadError
from bot.ingest.alert import AlertStatus, ParsedBatch

Load = Callable[[str], dict[str, Any]]
Deliver = Callable[..., ParsedBatch]
ALERT_ID = (
    "/subscriptions/11111111-2222-3333-4444-555555555555/providers/"
    "Microsoft.AlertsManagement/alerts/7c1e5a90-3b2d-4f6e-9a8b-0c1d2e3f4a5b"
)


def test_a_fired_metric_alert(load: Load, deliver: Deliver) -> None:
    (alert,) = deliver("azure-monitor", load("azure_metric_fired.json")).alerts
    assert alert.source == "azure-monitor"
    assert alert.dedup_key == ALERT_ID
    assert alert.status is AlertStatus.FIRING
    # From the split-by dimension, whose name Azure capitalises ("Tenant").
    assert alert.tenant == "northwind"
    assert alert.starts_at == datetime(2026, 3, 14, 10, 2, 11, 412773, tzinfo=UTC)
    assert alert.ends_at is None
    assert alert.summary == "Tenant API 5xx ratio"
    assert alert.description.startswith("More than 2% of API requests")
    assert alert.labels == {
        "ResourceId": "crm-api-prod",
        "Tenant": "northwind",
        "alertname": "Tenant API 5xx ratio",
        "severity": "Sev1",
        "signalType": "Metric",
        "monitoringService": "Platform",
        "targetResourceGroup": "rg-crm-prod",
        "targetResourceType": "microsoft.web/sites",
    }
    assert alert.links == {
        "portal": "https://portal.azure.com/#blade/Microsoft_Azure_Monitoring/"
        "AlertDetailsTemplateBlade/alertId/%2Fsubscriptions%2F11111111-2222-3333-4444-"
        "555555555555%2Fproviders%2FMicrosoft.AlertsManagement%2Falerts%2F"
        "7c1e5a90-3b2d-4f6e-9a8b-0c1d2e3f4a5b"
    }
    assert alert.raw == load("azure_metric_fired.json")


def test_the_resolve_has_the_same_key_and_an_end(load: Load, deliver: Deliver) -> None:
    (alert,) = deliver("azure-monitor", load("azure_metric_resolved.json")).alerts
    assert alert.dedup_key == ALERT_ID
    assert alert.status is AlertStatus.RESOLVED
    assert alert.tenant == "northwind"
    assert alert.ends_at == datetime(2026, 3, 14, 10, 31, 48, 92331, tzinfo=UTC)


def test_a_log_alert_takes_the_tenant_from_custom_properties(load: Load, deliver: Deliver) -> None:
    (alert,) = deliver("azure-monitor", load("azure_log_fired.json")).alerts
    # customProperties wins over the log query's `tenant` dimension, and is trimmed.
    assert alert.tenant == "wingtip"
    assert alert.labels["tenant"] == " wingtip "  # the property itself, as sent
    assert alert.labels["team"] == "identity"
    assert alert.labels["priority"] == "2"
    assert alert.labels["alertname"] == "Failed sign-ins per tenant"
    assert alert.labels["monitoringService"] == "Log Alerts V2"
    assert alert.description == ""
    assert set(alert.links) == {"portal", "investigation", "search results"}
    assert alert.links["search results"].endswith("/q/filtered")


def test_a_resolve_without_resolved_time_has_no_end(load: Load, deliver: Deliver) -> None:
    payload = load("azure_metric_resolved.json")
    del payload["data"]["essentials"]["resolvedDateTime"]
    (alert,) = deliver("azure-monitor", payload).alerts
    assert alert.status is AlertStatus.RESOLVED
    assert alert.ends_at is None


def test_missing_optional_fields(deliver: Deliver) -> None:
    payload = {
        "schemaId": "azureMonitorCommonAlertSchema",
        "data": {"essentials": {"alertId": "/x/alerts/1", "monitorCondition": "Fired"}},
    }
    (alert,) = deliver("azure-monitor", payload).alerts
    assert (alert.tenant, alert.starts_at, alert.description) == (None, None, "")
    assert alert.summary == "/x/alerts/1"
    assert alert.labels == {}


def test_a_naive_time_is_read_as_the_documented_utc(load: Load, deliver: Deliver) -> None:
    payload = load("azure_metric_fired.json")
    payload["data"]["essentials"]["firedDateTime"] = "2026-03-14T10:02:11.4127730"
    (alert,) = deliver("azure-monitor", payload).alerts
    assert alert.starts_at == datetime(2026, 3, 14, 10, 2, 11, 412773, tzinfo=UTC)


def test_an_offset_is_converted(load: Load, deliver: Deliver) -> None:
    payload = load("azure_metric_fired.json")
    payload["data"]["essentials"]["firedDateTime"] = "2026-03-14T11:02:11+01:00"
    (alert,) = deliver("azure-monitor", payload).alerts
    assert alert.starts_at == datetime(2026, 3, 14, 10, 2, 11, tzinfo=UTC)


@pytest.mark.parametrize("name", ["azure_legacy_metric.json"])
def test_legacy_schemas_are_refused_with_a_hint(name: str, load: Load, deliver: Deliver) -> None:
    with pytest.raises(PayloadError) as info:
        deliver("azure-monitor", load(name))
    assert info.value.field == "schemaId"
    assert "enable the common alert schema" in info.value.message


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        (("monitorCondition",), "Activated", "data.essentials.monitorCondition", "'Fired' or"),
        (("alertId",), "", "data.essentials.alertId", "must not be empty"),
        (("alertId",), None, "data.essentials.alertId", "must be a string, not null"),
        (("firedDateTime",), 1773482531, "data.essentials.firedDateTime", "RFC 3339"),
        (("firedDateTime",), "3/22/2019 1:36:31 PM", "data.essentials.firedDateTime", "RFC 3339"),
    ],
)
def test_field_problems_are_named(
    path: tuple[str, ...], value: Any, field: str, words: str, load: Load, deliver: Deliver
) -> None:
    payload = load("azure_metric_fired.json")
    payload["data"]["essentials"][path[0]] = value
    with pytest.raises(PayloadError) as info:
        deliver("azure-monitor", payload)
    assert info.value.field == field
    assert words in info.value.message


def test_missing_essentials(deliver: Deliver) -> None:
    with pytest.raises(PayloadError) as info:
        deliver("azure-monitor", {"schemaId": "azureMonitorCommonAlertSchema", "data": {}})
    assert (info.value.field, info.value.message) == ("data.essentials", "required")


def test_odd_alert_contexts_are_tolerated(load: Load, deliver: Deliver) -> None:
    payload = load("azure_metric_fired.json")
    payload["data"]["alertContext"] = {"condition": {"allOf": ["x", {"dimensions": [5, {}]}]}}
    payload["data"]["customProperties"] = {"tenant": {"nested": True}}
    (alert,) = deliver("azure-monitor", payload).alerts
    assert alert.tenant is None
