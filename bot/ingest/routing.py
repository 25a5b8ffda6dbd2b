"""Where an alert belongs: key tenant or not, and which failure signature (pure, no I/O).

The rule, as docs/playbooks.md states it for operators:

- An alert with no tenant is `untenanted`; one whose tenant crebot.yaml does not list is
  `non_key`. Both are stored and counted, and open nothing.
- An alert for a key tenant is matched to a playbook (every label a playbook lists must match;
  the most specific match wins; ties are refused when the playbooks load), else the built-in
  `unclassified` signature. Either way it belongs to the incident of (tenant, signature).

The signature is recorded for every alert, key tenant or not, so reports can count an alert
storm by signature across all tenants.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config.loader import Domain
from bot.ingest.alert import Alert
from bot.ingest.models import Disposition
from bot.playbooks import UNCLASSIFIED_ID, Playbook

# Column widths of the alerts table; longer values are cut rather than refused: a tenant id
# that long cannot be a key tenant anyway (crebot.yaml ids are at most 63 characters).
TENANT_LENGTH = 128
ALERTNAME_LENGTH = 200


@dataclass(frozen=True)
class Route:
    tenant: str | None  # as stored: trimmed to the column
    disposition: Disposition
    playbook: Playbook

    @property
    def opens_incident(self) -> bool:
        return self.disposition is Disposition.INCIDENT

    @property
    def unclassified(self) -> bool:
        return self.playbook.id == UNCLASSIFIED_ID


def route(domain: Domain, alert: Alert) -> Route:
    playbook = domain.playbooks.match(alert.labels)
    if alert.tenant is None:
        return Route(None, Disposition.UNTENANTED, playbook)
    tenant = alert.tenant[:TENANT_LENGTH]
    if domain.config.tenant(tenant) is None:
        return Route(tenant, Disposition.NON_KEY, playbook)
    return Route(tenant, Disposition.INCIDENT, playbook)


def alertname(alert: Alert) -> str | None:
    name = alert.labels.get("alertname")
    return name[:ALERTNAME_LENGTH] if name else None


def needs_triage(item: Route) -> bool:
    """Alerts a person should look at in the triage channel: they reached no owner."""
    return item.disposition is not Disposition.INCIDENT or item.unclassified
