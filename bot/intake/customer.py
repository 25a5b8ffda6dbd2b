"""The intake as playbook templates see it: the fastest check's URL, and the customer
notification's draft (what we can say now, what next, and when), in the tenant's timezone.

Responders read times as Slack date tokens; the customer reads them on their own clock, so
here every time is written in the tenant's zone with the zone's abbreviation.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.config.domain import TenantConfig
from bot.errors import TemplateError
from bot.intake.fields import IntakeFields
from bot.intake.times import customer_time
from bot.playbooks import Playbook
from bot.playbooks.templates import render

log = logging.getLogger(__name__)


def tenant_context(tenant: TenantConfig | None, tenant_id: str | None) -> dict[str, Any]:
    return {
        "id": tenant.id if tenant else tenant_id or "",
        "name": tenant.name if tenant else tenant_id or "",
        "tier": tenant.tier if tenant else "standard",
        "timezone": tenant.timezone if tenant else "UTC",
    }


def template_context(
    tenant: TenantConfig | None,
    fields: IntakeFields,
    *,
    incident_number: int | None = None,
    severity: str = "",
    signature_title: str = "",
) -> dict[str, Any]:
    """The documented template context (bot.playbooks.templates.CONTEXT_VARIABLES) for an
    intake: impact times, the promised next update and the texts, on the tenant's clock."""
    tz = tenant.timezone if tenant else "UTC"

    def shown(value: Any) -> str | None:
        return customer_time(value, tz) if value is not None else None

    return {
        "tenant": tenant_context(tenant, fields.tenant_id),
        "incident": {
            # Before a customer report opens its incident there is no number yet.
            "number": incident_number if incident_number is not None else "(new)",
            "severity": severity,
            "signature_title": signature_title,
        },
        "impact": {"start": shown(fields.impact_start) or "", "end": shown(fields.impact_end)},
        "now_update": fields.update_now,
        "next_update": fields.update_next,
        "next_update_at": shown(fields.next_update_at),
    }


def render_check(
    playbook: Playbook, tenant: TenantConfig | None, fields: IntakeFields, **incident: Any
) -> str:
    """The playbook's fastest check for this tenant; the raw template if it cannot render
    (a check that needs a value the intake does not have yet is still worth showing)."""
    context = template_context(
        tenant, fields, signature_title=playbook.title, severity=str(playbook.severity), **incident
    )
    try:
        return render(playbook.fastest_check, context)
    except TemplateError as exc:
        log.info("fastest check of %s does not render for the intake: %s", playbook.id, exc)
        return playbook.fastest_check
