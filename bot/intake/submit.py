"""A submitted intake, from the outbox: the work that follows Slack's 3-second answer.

The modal's submission is validated and queued here as one durable row before Slack gets
its answer, so nothing a person submitted is lost if the process stops right after. The
outbox then runs `run`: it saves the revision for an existing incident, or for a customer
report opens the incident (or attaches the report to the one already open, see
`bot.incidents.service.open_customer_reported`) and saves the intake on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.loader import Domain
from bot.errors import NotFound
from bot.incidents import service as incidents
from bot.incidents.models import Incident
from bot.intake import prefill, service
from bot.intake.fields import IntakeFields, fill_blanks
from bot.intake.models import IntakeRevision
from bot.notifications import hooks as customer_messages
from bot.outbox.queue import enqueue
from bot.outbox.worker import Handler, OpContext

SUBMIT = "intake.submit"


class Mode(StrEnum):
    INCIDENT = "incident"  # the intake of an existing incident
    DECLARE = "declare"  # a customer-reported issue: opens the incident


async def queue(
    session: AsyncSession,
    *,
    key: str,
    mode: Mode,
    fields: IntakeFields,
    user: str,
    now: datetime,
    incident_id: int | None = None,
    origin_channel: str | None = None,
) -> bool:
    """Queue a validated submission; the same `key` (one per modal) queues it once."""
    payload: dict[str, Any] = {
        "mode": mode.value,
        "incident_id": incident_id,
        "fields": fields.to_json(),
        "user": user,
        "submitted_at": now.isoformat(),
        "origin_channel": origin_channel,
    }
    return await enqueue(
        session, SUBMIT, now=now, key=f"{SUBMIT}:{key}", incident_id=incident_id, payload=payload
    )


@dataclass(frozen=True)
class Saved:
    incident: Incident
    revision: IntakeRevision
    created: bool  # a customer report opened a new incident


async def save_for_incident(
    session: AsyncSession,
    domain: Domain,
    incident_id: int,
    fields: IntakeFields,
    user: str,
    now: datetime,
) -> Saved:
    incident = await incidents.get(session, incident_id)
    revision = await service.save_revision(
        session, incident, fields, user, now, config=domain.config
    )
    await customer_messages.intake_saved(
        session, incident, revision, user=user, now=now, domain=domain
    )
    return Saved(incident, revision, created=False)


async def declare(
    session: AsyncSession,
    domain: Domain,
    fields: IntakeFields,
    user: str,
    now: datetime,
    *,
    origin_channel: str | None = None,
) -> Saved:
    """A customer-reported issue: open its incident, or attach to the one already open."""
    config = domain.config
    tenant = config.tenant(fields.tenant_id)
    if tenant is None or fields.signature_id is None or fields.customer_reported_at is None:
        # validation guarantees these; a reload that removed the tenant since is the exception
        raise NotFound(f"cannot declare for tenant {fields.tenant_id!r}: not a key tenant")
    playbook = prefill.playbook_or_unclassified(domain.playbooks, fields.signature_id)
    opened = await incidents.open_customer_reported(
        session,
        config,
        tenant_id=tenant.id,
        playbook=playbook,
        reported_at=fields.customer_reported_at,
        declarer=user,
        now=now,
        title=f"{tenant.name}: {playbook.title} (reported by the customer)",
    )
    incident = opened.incident
    if not opened.created:
        fields = await _attached(session, domain, incident, fields, now)
    announce = {"declared": True, "created": opened.created, "origin_channel": origin_channel}
    revision = await service.save_revision(
        session, incident, fields, user, now, config=config, announce=announce
    )
    await customer_messages.intake_saved(
        session, incident, revision, user=user, now=now, domain=domain
    )
    return Saved(incident, revision, opened.created)


async def _attached(
    session: AsyncSession, domain: Domain, incident: Incident, report: IntakeFields, now: datetime
) -> IntakeFields:
    """The intake after a customer report joined an open incident.

    What responders saved stays; the report fills what they left empty. Before any save,
    the report (a person's account) comes first and the alerts fill its gaps. The earliest
    report time and both descriptions are kept.
    """
    saved = await service.current(session, incident.id)
    if saved is None:
        merged = fill_blanks(report, await prefill.from_alerts(session, domain, incident, now))
    else:
        merged = fill_blanks(IntakeFields.of(saved), report)
    reported = [t for t in (merged.customer_reported_at, report.customer_reported_at) if t]
    descriptions = [d for d in (merged.description, report.description) if d]
    return merged.but(
        signature_id=incident.signature_id,
        customer_reported_at=min(reported) if reported else None,
        description="\n\n".join(dict.fromkeys(descriptions)) or None,
    )


def handler(domain: Callable[[], Domain]) -> Handler:
    """The outbox handler for SUBMIT; `domain` reads the configuration in force."""

    async def run(ctx: OpContext) -> None:
        payload = ctx.payload
        fields = IntakeFields.from_json(payload["fields"])
        user = str(payload["user"])
        # The revision, and a declarer's acknowledgement, date from the submission.
        at = datetime.fromisoformat(payload["submitted_at"])
        if payload["mode"] == Mode.DECLARE:
            await declare(
                ctx.session,
                domain(),
                fields,
                user,
                at,
                origin_channel=payload.get("origin_channel"),
            )
        else:
            incident_id = int(payload["incident_id"])
            await save_for_incident(ctx.session, domain(), incident_id, fields, user, at)

    return run
