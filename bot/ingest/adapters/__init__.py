"""One pure adapter per monitoring tool: a decoded body in, a ParsedBatch out.

Adapters know nothing of HTTP or the database. Each validates its tool's documented payload
(WEBHOOK_NOTES.md), ignores fields it does not need, raises PayloadError for a body it
cannot read at all, and reports a bad alert inside a good batch as an AlertProblem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.ingest.adapters import alertmanager, azure_monitor, datadog, generic, grafana, pagerduty
from bot.ingest.alert import ParsedBatch


@dataclass(frozen=True)
class Adapter:
    source: str
    # (decoded body, max_alerts) -> alerts and problems
    parse: Callable[[dict[str, Any], int], ParsedBatch]
    # Datadog's "Encode as form" posts the payload's fields form-encoded; no other tool does.
    form_encoded: bool = False


ADAPTERS: dict[str, Adapter] = {
    adapter.source: adapter
    for adapter in (
        Adapter(alertmanager.SOURCE, alertmanager.parse),
        Adapter(grafana.SOURCE, grafana.parse),
        Adapter(azure_monitor.SOURCE, azure_monitor.parse),
        Adapter(datadog.SOURCE, datadog.parse, form_encoded=True),
        Adapter(pagerduty.SOURCE, pagerduty.parse),
        Adapter(generic.SOURCE, generic.parse),
    )
}
