"""Grafana unified alerting's webhook contact point (payload `version: "1"`).

Grafana runs an embedded Alertmanager: the body is Alertmanager's plus `orgId`, `title`,
`state`, `message`, and per alert a few more links. Default grouping is by folder and
alert name, so one body often holds several tenants; the tenant is read per alert.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

from bot.ingest.adapters.alertmanager import (
    AlertmanagerMessage,
    PrometheusAlert,
    convert_alert,
    truncation_note,
)
from bot.ingest.adapters.validation import check_batch_size, parse_each, read_model
from bot.ingest.alert import Alert, ParsedBatch

SOURCE = "grafana"


class GrafanaAlert(PrometheusAlert):
    model_config = ConfigDict(extra="ignore")

    # Empty strings when the rule has no dashboard; dropped by http_links.
    silenceURL: Any = None
    dashboardURL: Any = None
    panelURL: Any = None
    imageURL: Any = None


class GrafanaMessage(AlertmanagerMessage):
    model_config = ConfigDict(extra="ignore")

    orgId: int | None = None


def _convert(item: Any) -> Alert:
    alert = GrafanaAlert.model_validate(item)
    links = [
        ("silence", alert.silenceURL),
        ("dashboard", alert.dashboardURL),
        ("panel", alert.panelURL),
        ("image", alert.imageURL),
    ]
    return convert_alert(SOURCE, alert, dict(item), links)


def parse(payload: dict[str, Any], max_alerts: int) -> ParsedBatch:
    message = read_model(GrafanaMessage, payload)
    check_batch_size(len(message.alerts), max_alerts)
    batch = parse_each(message.alerts, _convert)
    batch.problems.extend(truncation_note(message.truncatedAlerts))
    return batch
