"""PagerDuty Events API v2 bodies, as Alertmanager, Grafana and many others can emit them.

One event per body. `trigger` fires, `resolve` resolves; `acknowledge` only silences paging
in PagerDuty and carries nothing crebot tracks (acknowledging is done in Slack), so it is
accepted and reported as ignored instead of being refused: a 400 would make some senders
log an error for a perfectly valid event.
"""

from __future__ import annotations

import json
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
from bot.ingest.adapters.validation import read_model
from bot.ingest.alert import Alert, AlertProblem, AlertStatus, ParsedBatch

SOURCE = "pagerduty"


class EventPayload(BaseModel):
    """`payload`. PagerDuty requires summary, source and severity on a trigger; crebot needs
    only the summary, and a resolve may carry a partial payload or none."""

    model_config = ConfigDict(extra="ignore")

    summary: str | None = None
    source: str | None = None
    severity: str | None = None
    component: str | None = None
    group: str | None = None
    class_: str | None = Field(default=None, alias="class")
    custom_details: Any = None


class Event(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_action: Literal["trigger", "acknowledge", "resolve"]
    routing_key: str | None = None
    dedup_key: str | None = None
    payload: EventPayload | None = None
    client_url: Any = None
    links: Any = None
    images: Any = None


def generated_key(routing_key: str, source: str, summary: str) -> str:
    """PagerDuty invents a random key for a trigger without one; crebot cannot return it to
    the sender, so it derives a stable one instead: a repeat of the same trigger is then the
    same alert, not a new incident every time."""
    return "crebot:" + digest(routing_key, source, summary)


def render_details(details: Any) -> str:
    """`custom_details` as readable text: `key: value` lines, multi-line strings kept whole
    (Alertmanager puts its whole alert list in `firing` as one string)."""
    if details is None:
        return ""
    if isinstance(details, str):
        return details
    if not isinstance(details, dict):
        return json.dumps(details, ensure_ascii=False)
    lines = []
    for key, value in details.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        lines.append(f"{key}:\n{text}" if "\n" in text else f"{key}: {text}")
    return "\n".join(lines)


def _links(event: Event) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = [("source", event.client_url)]
    for number, link in enumerate(event.links if isinstance(event.links, list) else [], 1):
        if isinstance(link, dict):
            found.append((first_text(link.get("text")) or f"link {number}", link.get("href")))
    for image in event.images if isinstance(event.images, list) else []:
        if isinstance(image, dict):
            found.append(("image", image.get("src")))
    return found


def _labels(payload: EventPayload, details: dict[str, Any]) -> dict[str, str]:
    labels = flat_labels(details)
    fields = {
        "severity": payload.severity,
        "source": payload.source,
        "component": payload.component,
        "group": payload.group,
        "class": payload.class_,
    }
    labels.update(flat_labels({k: v for k, v in fields.items() if v}))
    # The summary often carries counts ("[FIRING:2] ..."), so it is no stable alert name.
    alertname = first_text(details.get("alertname"), payload.class_)
    if alertname:
        labels["alertname"] = alertname
    return labels


def _dedup_key(event: Event, body: EventPayload, summary: str) -> str:
    given = event.dedup_key if event.dedup_key and event.dedup_key.strip() else None
    if event.event_action == "resolve":
        if given is None:
            raise PayloadError("required for a resolve event: it names the alert", "dedup_key")
        return given
    if event.payload is None:
        raise PayloadError("required for a trigger event", field="payload")
    if not summary:
        raise PayloadError("required for a trigger event", field="payload.summary")
    return given or generated_key(event.routing_key or "", body.source or "", summary)


def parse(payload: dict[str, Any], max_alerts: int) -> ParsedBatch:
    if "event_action" not in payload and ("event_type" in payload or "service_key" in payload):
        raise PayloadError(
            "missing; this is an Events API v1 body (event_type, service_key): send "
            "Events API v2 (event_action, routing_key, dedup_key, payload)",
            field="event_action",
        )
    event = read_model(Event, payload)
    if event.event_action == "acknowledge":
        message = "acknowledge events are not tracked: acknowledge the incident in Slack"
        return ParsedBatch(problems=[AlertProblem(0, "event_action", message)])
    body = event.payload or EventPayload()
    summary = first_text(body.summary)
    dedup_key = _dedup_key(event, body, summary)
    details = body.custom_details if isinstance(body.custom_details, dict) else {}
    alert = Alert(
        source=SOURCE,
        dedup_key=bounded_key(dedup_key),
        status=AlertStatus.FIRING if event.event_action == "trigger" else AlertStatus.RESOLVED,
        # A resolve normally has no payload, hence no tenant: it is matched by dedup key.
        tenant=clean_tenant(details.get("tenant")),
        labels=_labels(body, details),
        summary=summary or dedup_key,
        description=render_details(body.custom_details),
        # Events carry no alert start; payload.timestamp is when this event was emitted.
        starts_at=None,
        ends_at=None,
        links=http_links(_links(event)),
        raw=payload,
    )
    return ParsedBatch(alerts=[alert])
