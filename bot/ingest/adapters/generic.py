"""crebot's own body, for tools with a templated webhook (CONTRACT.md, `generic`):

    {"alerts": [{"id", "status": "firing"|"resolved", "tenant", "labels": {...},
                 "summary", "description", "starts_at", "ends_at", "url"}]}

`id` and `status` are required; times are RFC 3339; the tenant may also be `labels.tenant`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.ingest.adapters.normalise import (
    bounded_key,
    clean_tenant,
    first_text,
    flat_labels,
    http_links,
)
from bot.ingest.adapters.times import Rfc3339
from bot.ingest.adapters.validation import check_batch_size, parse_each, read_model
from bot.ingest.alert import Alert, AlertStatus, ParsedBatch

SOURCE = "generic"


class GenericAlert(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    status: Literal["firing", "resolved"]
    tenant: str | None = None
    labels: dict[str, Any] = Field(default_factory=dict)
    summary: str | None = None
    description: str | None = None
    starts_at: Rfc3339 = None
    ends_at: Rfc3339 = None
    url: Any = None

    @field_validator("id", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        # A template that writes {{ .ID }} unquoted sends a number; it is still an id.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class GenericMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    alerts: list[Any]


def _convert(item: Any) -> Alert:
    alert = GenericAlert.model_validate(item)
    labels = flat_labels(alert.labels)
    status = AlertStatus(alert.status)
    dedup_key = bounded_key(alert.id)
    return Alert(
        source=SOURCE,
        dedup_key=dedup_key,
        status=status,
        tenant=clean_tenant(alert.tenant) or clean_tenant(labels.get("tenant")),
        labels=labels,
        summary=first_text(alert.summary, labels.get("alertname")) or dedup_key,
        description=alert.description or "",
        starts_at=alert.starts_at,
        ends_at=alert.ends_at if status is AlertStatus.RESOLVED else None,
        links=http_links([("source", alert.url)]),
        raw=dict(item),
    )


def parse(payload: dict[str, Any], max_alerts: int) -> ParsedBatch:
    message = read_model(GenericMessage, payload)
    check_batch_size(len(message.alerts), max_alerts)
    return parse_each(message.alerts, _convert)
