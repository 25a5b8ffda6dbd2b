"""What a delivery did, alert by alert, and the 202 summary the sender gets back."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.ingest.alert import Alert, AlertProblem
from bot.ingest.models import Disposition
from bot.ingest.routing import Route


class Result(StrEnum):
    NEW = "new"  # a new occurrence, stored
    DUPLICATE = "duplicate"  # this occurrence was already stored: nothing changed
    RESOLVED = "resolved"  # closed a firing occurrence
    ALREADY_RESOLVED = "already_resolved"  # its occurrence had already resolved
    UNMATCHED = "unmatched"  # a resolve for nothing crebot saw firing: nothing changed


@dataclass
class AlertOutcome:
    index: int  # position in the delivery (alerts[index]), for the sender
    alert: Alert
    route: Route
    result: Result
    incident_id: int | None = None
    row_id: int | None = None  # the stored occurrence this alert created or resolved


@dataclass(frozen=True)
class OpenedIncident:
    id: int
    tenant: str
    signature_id: str


@dataclass
class IngestResult:
    alerts: list[AlertOutcome] = field(default_factory=list)
    opened: list[OpenedIncident] = field(default_factory=list)
    updated: set[int] = field(default_factory=set)  # existing incidents that changed
    triage_key: str | None = None  # the triage summary window these alerts belong to
    opening_seconds: float = 0.0  # time spent opening incidents, for the metrics

    def counts(self) -> Counter[str]:
        """Alerts by what happened, for metrics: new ones by disposition, the rest by result."""
        counter: Counter[str] = Counter()
        for item in self.alerts:
            if item.result is Result.NEW:
                counter[item.route.disposition.value] += 1
            else:
                counter[item.result.value] += 1
        return counter


_IGNORED = {
    Result.DUPLICATE: "already received: nothing changed",
    Result.ALREADY_RESOLVED: "this occurrence had already resolved: nothing changed",
    Result.UNMATCHED: "resolves nothing crebot saw firing: nothing changed",
}
_NOT_OPENING = {
    Disposition.UNTENANTED: "no tenant: stored and counted, opens no incident",
    Disposition.NON_KEY: "not a key tenant of crebot.yaml: stored and counted, opens no incident",
}


def _ignored(item: AlertOutcome) -> dict[str, Any] | None:
    if item.result in _IGNORED:
        return {"index": item.index, "reason": item.result.value, "message": _IGNORED[item.result]}
    disposition = item.route.disposition
    if item.result is Result.NEW and disposition in _NOT_OPENING:
        return {
            "index": item.index,
            "reason": disposition.value,
            "message": _NOT_OPENING[disposition],
        }
    return None


def summary(
    source: str, result: IngestResult, problems: list[AlertProblem], notes: list[AlertProblem]
) -> dict[str, Any]:
    """The 202 body. `accepted` counts alerts read (duplicates too: they were fine, just
    known); `ignored` says per index why an alert changed or opened nothing; `problems` are
    alerts that could not be read, by index and field."""
    ignored = [entry for item in result.alerts if (entry := _ignored(item)) is not None]
    ignored += [
        {"index": note.index, "reason": "not_tracked", "message": note.message} for note in notes
    ]
    by_result = Counter(item.result.value for item in result.alerts)
    return {
        "source": source,
        "accepted": len(result.alerts),
        "new": by_result[Result.NEW.value],
        "duplicates": by_result[Result.DUPLICATE.value] + by_result[Result.ALREADY_RESOLVED.value],
        "resolved": by_result[Result.RESOLVED.value],
        "ignored": sorted(ignored, key=lambda entry: (entry["index"] is None, entry["index"])),
        "problems": [problem.as_dict() for problem in problems],
        "incidents": {
            "opened": [incident.id for incident in result.opened],
            "updated": sorted(result.updated),
        },
    }
