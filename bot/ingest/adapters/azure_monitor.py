"""Azure Monitor action-group webhooks with the common alert schema: one alert per body.

Without the common schema every alert type sends its own legacy shape; those are refused
with a message telling the operator which box to tick.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from bot.errors import PayloadError
from bot.ingest.adapters.normalise import (
    bounded_key,
    clean_tenant,
    first_text,
    flat_labels,
    get_ignoring_case,
    http_links,
)
from bot.ingest.adapters.times import AzureTime
from bot.ingest.adapters.validation import read_model
from bot.ingest.alert import Alert, AlertStatus, ParsedBatch

SOURCE = "azure-monitor"
COMMON_SCHEMA = "azureMonitorCommonAlertSchema"
# The alert's details page in the public-cloud portal, addressed by its ARM id.
_PORTAL_ALERT = (
    "https://portal.azure.com/#blade/Microsoft_Azure_Monitoring/AlertDetailsTemplateBlade/alertId/"
)


class Essentials(BaseModel):
    model_config = ConfigDict(extra="ignore")

    alertId: str = Field(min_length=1)
    monitorCondition: Literal["Fired", "Resolved"]
    alertRule: str | None = None
    severity: str | None = None
    signalType: str | None = None
    monitoringService: str | None = None
    targetResourceGroup: str | None = None
    targetResourceType: str | None = None
    description: str | None = None
    # Documented as UTC; some samples omit the Z, so a naive time is read as UTC.
    firedDateTime: AzureTime = None
    resolvedDateTime: AzureTime = None
    investigationLink: Any = None


class AlertData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    essentials: Essentials
    # Its shape depends on monitoringService; read defensively below, never validated.
    alertContext: Any = None
    customProperties: dict[str, Any] | None = None


class CommonAlert(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schemaId: str
    data: AlertData


def _criteria(context: Any) -> list[dict[str, Any]]:
    """`alertContext.condition.allOf[]` of metric and log-search alerts, when present."""
    condition = context.get("condition") if isinstance(context, dict) else None
    all_of = condition.get("allOf") if isinstance(condition, dict) else None
    return [c for c in all_of if isinstance(c, dict)] if isinstance(all_of, list) else []


def dimensions(context: Any) -> dict[str, str]:
    """Split-by dimensions of every criterion, as labels (the first value of a name wins)."""
    found: dict[str, str] = {}
    for criterion in _criteria(context):
        entries = criterion.get("dimensions")
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                value = flat_labels({"v": entry.get("value")}).get("v")
                if value is not None:
                    found.setdefault(entry["name"], value)
    return found


def _search_links(context: Any) -> list[tuple[str, Any]]:
    links: list[tuple[str, Any]] = []
    for criterion in _criteria(context):
        links.append(("search results", criterion.get("linkToFilteredSearchResultsUI")))
        links.append(("search results", criterion.get("linkToSearchResultsUI")))
    return links


def _check_schema(payload: dict[str, Any]) -> None:
    schema = payload.get("schemaId")
    if schema != COMMON_SCHEMA:
        got = "missing" if schema is None else f"{schema!r}"
        raise PayloadError(
            f"{got}, expected {COMMON_SCHEMA!r}: enable the common alert schema on the "
            "action group's webhook action",
            field="schemaId",
        )


def parse(payload: dict[str, Any], max_alerts: int) -> ParsedBatch:
    _check_schema(payload)
    data = read_model(CommonAlert, payload).data
    essentials = data.essentials
    custom = data.customProperties or {}
    dims = dimensions(data.alertContext)
    # Later entries win: the rule's own fields are authoritative over free-form properties.
    labels = {**dims, **flat_labels(custom)}
    labels.update(
        flat_labels(
            {
                "severity": essentials.severity,
                "signalType": essentials.signalType,
                "monitoringService": essentials.monitoringService,
                "targetResourceGroup": essentials.targetResourceGroup,
                "targetResourceType": essentials.targetResourceType,
                "alertname": essentials.alertRule,
            }
        )
    )
    # Dimension names keep the metric's casing ("Tenant"), so the key is matched ignoring case.
    tenant = clean_tenant(get_ignoring_case(custom, "tenant")) or clean_tenant(
        get_ignoring_case(dims, "tenant")
    )
    status = AlertStatus.FIRING if essentials.monitorCondition == "Fired" else AlertStatus.RESOLVED
    alert = Alert(
        source=SOURCE,
        dedup_key=bounded_key(essentials.alertId),
        status=status,
        tenant=tenant,
        labels=labels,
        summary=first_text(essentials.alertRule) or essentials.alertId,
        description=essentials.description or "",
        starts_at=essentials.firedDateTime,
        # Log-alert resolves may lack resolvedDateTime; then the end is unknown.
        ends_at=essentials.resolvedDateTime if status is AlertStatus.RESOLVED else None,
        links=http_links(
            [
                ("portal", _PORTAL_ALERT + quote(essentials.alertId, safe="")),
                ("investigation", essentials.investigationLink),
                *_search_links(data.alertContext),
            ]
        ),
        raw=payload,
    )
    return ParsedBatch(alerts=[alert])
