"""Prometheus Alertmanager's webhook (payload `version: "4"`): one aggregation group per body.

Grafana's embedded Alertmanager sends the same per-alert fields plus a few links, so the
per-alert model and conversion here are shared with `grafana.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.errors import PayloadError
from bot.ingest.adapters.normalise import (
    bounded_key,
    clean_tenant,
    digest,
    first_text,
    flat_labels,
    http_links,
)
from bot.ingest.adapters.times import Rfc3339
from bot.ingest.adapters.validation import check_batch_size, parse_each, read_model
from bot.ingest.alert import Alert, AlertProblem, AlertStatus, ParsedBatch

SOURCE = "alertmanager"


class PrometheusAlert(BaseModel):
    """One entry of `alerts[]`. Only `status` and a way to identify the alert are required."""

    model_config = ConfigDict(extra="ignore")

    status: Literal["firing", "resolved"]
    labels: dict[str, Any] = Field(default_factory=dict)
    annotations: dict[str, Any] = Field(default_factory=dict)
    startsAt: Rfc3339 = None
    endsAt: Rfc3339 = None
    # Links are optional decoration: a malformed one is dropped, not an error.
    generatorURL: Any = None
    fingerprint: str | None = None


class AlertmanagerMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    alerts: list[Any]
    version: str | None = None
    status: str | None = None
    truncatedAlerts: int | None = None


def label_fingerprint(labels: dict[str, str]) -> str:
    """For hand-made or very old payloads without `fingerprint`: a hash of the label set,
    16 hex digits like Alertmanager's own, so the same labels always give the same key."""
    return digest(*(f"{name}={value}" for name, value in sorted(labels.items())), length=16)


def convert_alert(
    source: str, item: PrometheusAlert, raw: dict[str, Any], links: Iterable[tuple[str, Any]]
) -> Alert:
    labels = flat_labels(item.labels)
    annotations = flat_labels(item.annotations)
    dedup_key = bounded_key(item.fingerprint.strip() if item.fingerprint else "")
    if not dedup_key:
        if not labels:
            # Every such alert would share one key and swallow the others.
            raise PayloadError("required when the alert has no labels", field="fingerprint")
        dedup_key = label_fingerprint(labels)
    status = AlertStatus(item.status)
    return Alert(
        source=source,
        dedup_key=dedup_key,
        status=status,
        # Per alert, never from commonLabels: one group can span several tenants.
        tenant=clean_tenant(labels.get("tenant")),
        labels=labels,
        summary=first_text(
            annotations.get("summary"), annotations.get("title"), labels.get("alertname")
        )
        or dedup_key,
        description=first_text(annotations.get("description"), annotations.get("message")),
        starts_at=item.startsAt,
        # Alertmanager hides a firing alert's planned end; only a resolved alert has an end.
        ends_at=item.endsAt if status is AlertStatus.RESOLVED else None,
        links=http_links(
            [("source", item.generatorURL), *links, ("runbook", annotations.get("runbook_url"))]
        ),
        raw=raw,
    )


def truncation_note(truncated: int | None) -> list[AlertProblem]:
    """The sender's `max_alerts` cut the group: say so, since those alerts never arrive."""
    if not truncated or truncated <= 0:
        return []
    return [
        AlertProblem(
            None,
            "truncatedAlerts",
            f"the sender left {truncated} alerts of this group out (its max_alerts setting); "
            "crebot never saw them",
        )
    ]


def _convert(item: Any) -> Alert:
    return convert_alert(SOURCE, PrometheusAlert.model_validate(item), dict(item), [])


def parse(payload: dict[str, Any], max_alerts: int) -> ParsedBatch:
    message = read_model(AlertmanagerMessage, payload)
    check_batch_size(len(message.alerts), max_alerts)
    batch = parse_each(message.alerts, _convert)
    batch.problems.extend(truncation_note(message.truncatedAlerts))
    return batch
