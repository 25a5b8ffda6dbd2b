"""The normalised alert every adapter produces, whatever the monitoring tool."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Alert:
    """One alert occurrence as crebot understands it.

    `dedup_key` identifies the alert within its source across deliveries (Alertmanager's
    fingerprint, Azure's alertId, ...). One occurrence is source + dedup_key + starts_at.
    Times are timezone-aware UTC; `ends_at` is None while the alert is firing.
    """

    source: str
    dedup_key: str
    status: AlertStatus
    tenant: str | None
    labels: dict[str, str]
    summary: str
    description: str
    starts_at: datetime | None
    ends_at: datetime | None
    links: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertProblem:
    """One alert in a batch that could not be read: where (index, field) and why."""

    index: int | None
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


@dataclass
class ParsedBatch:
    """What one webhook delivery yielded: the good alerts and the reasons for the bad ones."""

    alerts: list[Alert] = field(default_factory=list)
    problems: list[AlertProblem] = field(default_factory=list)
