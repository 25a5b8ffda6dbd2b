"""Datadog's Webhooks integration, with the payload template published in docs/webhooks.md.

Datadog has no fixed webhook schema: the body is whatever template the webhook was given,
with `$VARIABLES` substituted as text. Every field therefore arrives as a string (even
`$DATE`), possibly empty. Datadog's default template carries no monitor id, transition or
tags, so it is refused with a pointer to crebot's template.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from bot.errors import PayloadError
from bot.ingest.adapters.normalise import (
    bounded_key,
    clean_tenant,
    first_text,
    flat_labels,
    http_links,
)
from bot.ingest.adapters.times import parse_epoch
from bot.ingest.adapters.validation import read_model
from bot.ingest.alert import Alert, AlertStatus, ParsedBatch

SOURCE = "datadog"

# $ALERT_TRANSITION values. Warn and No Data are non-OK states, Renotify and Re-* repeat the
# current state; only Recovered ends the alert.
_FIRING = {"triggered", "re-triggered", "warn", "re-warn", "no data", "re-no data", "renotify"}
_RESOLVED = {"recovered"}
# When the transition is missing or unfamiliar, $ALERT_TYPE still says which way it went.
_TYPE_STATUS = {
    "error": AlertStatus.FIRING,
    "warning": AlertStatus.FIRING,
    "success": AlertStatus.RESOLVED,
}

# "[P1] [Triggered on {tenant:northwind}] Tenant API error rate high" -> the monitor's name.
# Only Datadog's own prefixes are removed, so a monitor named "[Prod] API" keeps its "[Prod]".
_TITLE_PREFIX = re.compile(
    r"^(?:\[(?:P[1-5]|Triggered|Re-Triggered|Recovered|Warn|Re-Warn|No Data|Re-No Data|"
    r"Renotify)(?: on [^\]]*)?\]\s*)+",
    re.IGNORECASE,
)
_DEFAULT_TEMPLATE_HINT = (
    "this looks like Datadog's default webhook payload, which has no monitor id, transition "
    "or tags; give the webhook crebot's payload template (docs/webhooks.md)"
)


class DatadogEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    alert_id: str
    alert_transition: str = ""
    alert_type: str = ""
    alert_scope: str = ""
    alert_title: str = ""
    alert_status: str = ""
    alert_priority: str = ""
    alert_metric: str = ""
    title: str = ""
    body: str = ""
    event_type: str = ""
    hostname: str = ""
    # Not unions: pydantic would name the union member in an error's field path.
    tags: Any = ""
    tenant: str = ""
    link: Any = None
    date: Any = None

    @field_validator("alert_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # `"alert_id": $ALERT_ID` without quotes arrives as a number; it is still the id.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def split_tags(tags: Any, field: str = "tags") -> list[str]:
    """`$TAGS` / `$ALERT_SCOPE` text (`env:prod, tenant:acme`), or a list if a template made one."""
    if isinstance(tags, str):
        parts = tags.split(",")
    elif isinstance(tags, list) and all(isinstance(part, str) for part in tags):
        parts = tags
    else:
        raise PayloadError("must be comma-separated tags in a string", field=field)
    return [part.strip() for part in parts if part.strip()]


def tag_labels(tags: list[str]) -> dict[str, str]:
    """`env:prod` -> {"env": "prod"}; a bare tag `monitor` -> {"monitor": ""}."""
    labels: dict[str, str] = {}
    for tag in tags:
        name, _, value = tag.partition(":")
        labels[name.strip()] = value.strip()
    return labels


def _status(event: DatadogEvent) -> AlertStatus:
    transition = event.alert_transition.strip().lower()
    if transition in _FIRING:
        return AlertStatus.FIRING
    if transition in _RESOLVED:
        return AlertStatus.RESOLVED
    by_type = _TYPE_STATUS.get(event.alert_type.strip().lower())
    if by_type is not None:
        return by_type
    raise PayloadError(
        f"{event.alert_transition!r} is not a monitor transition crebot knows "
        "(Triggered, Recovered, Warn, No Data, Renotify and their Re- forms)",
        field="alert_transition",
    )


def parse(payload: dict[str, Any], max_alerts: int) -> ParsedBatch:
    if "alert_id" not in payload and "alert_transition" not in payload:
        raise PayloadError(_DEFAULT_TEMPLATE_HINT, field="alert_id")
    event = read_model(DatadogEvent, payload)
    monitor_id = event.alert_id.strip()
    if not monitor_id:
        raise PayloadError("must not be empty", field="alert_id")
    status = _status(event)
    scope = split_tags(event.alert_scope, "alert_scope")
    tags = split_tags(event.tags)
    # The triggering group's scope is more specific than the monitor's tags, so it wins.
    labels = {**tag_labels(tags), **tag_labels(scope)}
    alertname = _TITLE_PREFIX.sub("", first_text(event.alert_title, event.title)).strip()
    labels.update(
        flat_labels(
            {
                "monitor_id": monitor_id,
                "alert_type": event.alert_type.strip() or None,
                "priority": event.alert_priority.strip() or None,
                "metric": event.alert_metric.strip() or None,
                "event_type": event.event_type.strip() or None,
                "host": event.hostname.strip() or None,
                "alertname": alertname or None,
            }
        )
    )
    tenant = (
        clean_tenant(event.tenant)
        or clean_tenant(tag_labels(scope).get("tenant"))
        or clean_tenant(tag_labels(tags).get("tenant"))
    )
    # Monitor id + the sorted scope: the same for every notification of one monitor group,
    # Triggered through Recovered, and independent of the order Datadog lists the tags in.
    dedup_key = f"{monitor_id}:{','.join(sorted(scope))}" if scope else monitor_id
    ends_at = None
    if status is AlertStatus.RESOLVED and event.date is not None and event.date != "":
        try:
            ends_at = parse_epoch(event.date)
        except ValueError as exc:
            raise PayloadError(f"{exc} (got {event.date!r})", field="date") from None
    body = event.body.strip()
    if body.startswith("%%%") and body.endswith("%%%") and len(body) >= 6:
        body = body[3:-3].strip()  # Datadog's markdown markers, not part of the message
    alert = Alert(
        source=SOURCE,
        dedup_key=bounded_key(dedup_key),
        status=status,
        tenant=tenant,
        labels=labels,
        summary=alertname or first_text(event.title) or dedup_key,
        description=body or event.alert_status,
        # $DATE is the time of this notification, not of the cycle's start, so Datadog is a
        # source without start times: one open occurrence per dedup key.
        starts_at=None,
        ends_at=ends_at,
        links=http_links([("source", event.link)]),
        raw=payload,
    )
    return ParsedBatch(alerts=[alert])
