"""Filling the intake from what crebot already knows, so people confirm instead of type.

- An incident's saved intake is shown as it was saved (in the zone it was entered in).
- Before the first save: the tenant and its timezone; the impact window from the alerts
  (earliest start; the latest end once every alert resolved); symptom, owner and fastest
  check from the signature's playbook; the next update due after the configured cadence.
- For a customer report: the tenant named in the text (or the channel's incident), the
  report time (now), and the text as the description.

The `on_*` functions apply one choice made in the open modal to the rest of the form.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.domain import DomainConfig, TenantConfig
from bot.config.loader import Domain
from bot.errors import NotFound
from bot.incidents.models import Incident
from bot.ingest.models import AlertRecord
from bot.intake import service
from bot.intake.customer import render_check
from bot.intake.fields import ONCALL, IntakeFields, Scope
from bot.intake.form import IntakeForm
from bot.playbooks import UNCLASSIFIED, Playbook, PlaybookLibrary

ROUND_TO = timedelta(minutes=5)


def playbook_or_unclassified(playbooks: PlaybookLibrary, signature_id: str | None) -> Playbook:
    if signature_id is None:
        return UNCLASSIFIED
    try:
        return playbooks.get(signature_id)
    except NotFound:  # removed by a reload since the incident opened
        return UNCLASSIFIED


def next_update_default(config: DomainConfig, now: datetime) -> datetime:
    """The configured cadence from now, rounded up to five minutes: a time people can say."""
    due = now + config.response.update_every
    step = ROUND_TO.total_seconds()
    rounded = -(-due.timestamp() // step) * step
    return datetime.fromtimestamp(rounded, due.tzinfo)


async def for_incident(
    session: AsyncSession, domain: Domain, incident: Incident, now: datetime
) -> IntakeFields:
    """What the intake modal opens with for an existing incident."""
    saved = await service.current(session, incident.id)
    if saved is not None:
        return IntakeFields.of(saved)
    return await from_alerts(session, domain, incident, now)


async def from_alerts(
    session: AsyncSession, domain: Domain, incident: Incident, now: datetime
) -> IntakeFields:
    tenant = domain.config.tenant(incident.tenant_id)
    playbook = playbook_or_unclassified(domain.playbooks, incident.signature_id)
    first_start, first_received, last_end, last_resolved = (
        await session.execute(
            select(
                func.min(AlertRecord.starts_at),
                func.min(AlertRecord.received_at),
                func.max(AlertRecord.ends_at),
                func.max(AlertRecord.resolved_at),
            ).where(AlertRecord.incident_id == incident.id)
        )
    ).one()
    start = first_start or first_received or incident.customer_reported_at
    end = (last_end or last_resolved) if incident.all_alerts_resolved else None
    fields = IntakeFields(
        tenant_id=incident.tenant_id,
        impact_start=min(start, now) if start else None,  # a skewed clock must not block saving
        impact_end=min(end, now) if end else None,
        timezone=tenant.timezone if tenant else "UTC",
        symptom=playbook.symptom.value if playbook.symptom else None,
        signature_id=incident.signature_id,
        owner_team=incident.owner_team or ONCALL,
        next_update_at=next_update_default(domain.config, now),
        customer_reported_at=incident.customer_reported_at,
    )
    check = render_check(playbook, tenant, fields, incident_number=incident.number)
    return fields.but(fastest_check=check)


def for_customer_report(
    config: DomainConfig, *, tenant_id: str | None, text: str | None, now: datetime
) -> IntakeFields:
    """A new customer report: the tenant if known, reported now, the text as description."""
    tenant_id = tenant_id or guess_tenant(text or "", config.tenants)
    tenant = config.tenant(tenant_id)
    return IntakeFields(
        tenant_id=tenant.id if tenant else None,
        timezone=tenant.timezone if tenant else None,
        customer_reported_at=now.replace(second=0, microsecond=0),
        next_update_at=next_update_default(config, now),
        description=text or None,
    )


def guess_tenant(text: str, tenants: list[TenantConfig]) -> str | None:
    """The one key tenant a free text names by id or name, or None (none, or several)."""
    lowered = text.lower()
    named = {
        t.id
        for t in tenants
        for word in (t.id, t.name)
        if re.search(rf"(?<![\w-]){re.escape(word.lower())}(?![\w-])", lowered)
    }
    return named.pop() if len(named) == 1 else None


# Choices in the open modal ------------------------------------------------------------------


def on_tenant(form: IntakeForm, config: DomainConfig, playbooks: PlaybookLibrary) -> IntakeForm:
    """A customer was picked: their timezone, and the check rendered for them."""
    tenant = config.tenant(form.get("tenant"))
    if tenant is None:
        return form
    form = form.but(timezone=tenant.timezone)
    if form.get("signature"):
        playbook = playbook_or_unclassified(playbooks, form.get("signature"))
        form = form.but(check=_check(playbook, tenant))
    return form


def on_symptom(form: IntakeForm, playbooks: PlaybookLibrary) -> IntakeForm:
    """The signature picker narrows to the symptom; a signature that no longer fits goes."""
    signature = form.get("signature")
    if signature is None or signature == UNCLASSIFIED.id:
        return form
    playbook = playbook_or_unclassified(playbooks, signature)
    if playbook.symptom is not None and playbook.symptom != form.get("symptom"):
        return form.but(signature=None)
    return form


def on_signature(form: IntakeForm, config: DomainConfig, playbooks: PlaybookLibrary) -> IntakeForm:
    """A signature was picked: its owner and its fastest check (and its symptom if none)."""
    if form.get("signature") is None:
        return form
    playbook = playbook_or_unclassified(playbooks, form.get("signature"))
    tenant = config.tenant(form.get("tenant"))
    changes: dict[str, str | None] = {
        "owner": playbook.owner or ONCALL,
        "check": _check(playbook, tenant),
    }
    if form.get("symptom") is None and playbook.symptom is not None:
        changes["symptom"] = playbook.symptom.value
    return form.but(**changes)


def on_scope(form: IntakeForm) -> IntakeForm:
    return form if form.get("scope") == Scope.REGION else form.but(region=None)


def _check(playbook: Playbook, tenant: TenantConfig | None) -> str:
    fields = IntakeFields(tenant_id=tenant.id if tenant else None)
    return render_check(playbook, tenant, fields)
