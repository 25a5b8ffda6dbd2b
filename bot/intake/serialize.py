"""The intake as the JSON API shows it (`GET /api/incidents/{id}` → `intake`).

    {"revision": 2, "revisions": 2, "updated_at": …, "updated_by": "U…",
     "customer": "contoso",
     "impact_start": …, "impact_end": null, "timezone": "Europe/London",
     "symptom": "errors", "signature": "identity-login-failures",
     "scope": "region", "region": "eu-west-1",
     "fastest_check": "https://…", "check_result": "confirmed",
     "owner": "identity",
     "customer_update": {"now": …, "next": …, "next_update_at": …},
     "customer_reported_at": null, "description": …,
     "missing": ["check_result", …]}

Times are RFC 3339 in UTC; `timezone` is the zone the reporter entered them in (the
customer reads them in the tenant's). `missing` uses these same names. Before the first
save every field is null, `revision` too, and `missing` lists everything.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.models import Incident
from bot.intake import service
from bot.intake.fields import IntakeFields, missing_fields
from bot.intake.models import IntakeRevision


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def intake_json(
    revision: IntakeRevision | None, *, customer_reported: bool, revisions: int = 0
) -> dict[str, Any]:
    f = IntakeFields.of(revision) if revision is not None else IntakeFields()
    return {
        "revision": revision.revision if revision is not None else None,
        "revisions": revisions,
        "updated_at": _time(revision.created_at) if revision is not None else None,
        "updated_by": revision.created_by if revision is not None else None,
        "customer": f.tenant_id,
        "impact_start": _time(f.impact_start),
        "impact_end": _time(f.impact_end),
        "timezone": f.timezone,
        "symptom": f.symptom,
        "signature": f.signature_id,
        "scope": f.scope,
        "region": f.scope_region,
        "fastest_check": f.fastest_check,
        "check_result": f.check_result,
        "owner": f.owner_team,
        "customer_update": {
            "now": f.update_now,
            "next": f.update_next,
            "next_update_at": _time(f.next_update_at),
        },
        "customer_reported_at": _time(f.customer_reported_at),
        "description": f.description,
        "missing": missing_fields(revision, customer_reported=customer_reported),
    }


async def intake_section(session: AsyncSession, incident: Incident) -> dict[str, Any]:
    """The `intake` member of the single-incident API view."""
    revision = await service.current(session, incident.id)
    count = await session.scalar(
        select(func.count())
        .select_from(IntakeRevision)
        .where(IntakeRevision.incident_id == incident.id)
    )
    return intake_json(
        revision,
        customer_reported=service.is_customer_reported(incident),
        revisions=int(count or 0),
    )
