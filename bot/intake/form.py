"""The intake as a person fills it in: text, dates and wall-clock times in a chosen zone.

`IntakeForm` sits between the Slack modal and `IntakeFields`: the edge reads a modal into a
form, `bot.intake.validation.validate` turns a form into fields (or errors keyed by the
form's field names), and `form_from_fields` shows saved fields back in the zone they were
entered in.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from bot.intake.fields import IntakeFields
from bot.intake.times import local_date_time

# Field names of the form; the modal uses them as its block names, so an error for a field
# lands on the input that holds it.
TENANT = "tenant"
START_DATE = "impact_start_date"
START_TIME = "impact_start_time"
END_DATE = "impact_end_date"
END_TIME = "impact_end_time"
TIMEZONE = "timezone"
SYMPTOM = "symptom"
SIGNATURE = "signature"
SCOPE = "scope"
REGION = "region"
CHECK = "check"
CHECK_RESULT = "check_result"
OWNER = "owner"
UPDATE_NOW = "update_now"
UPDATE_NEXT = "update_next"
NEXT_DATE = "next_update_date"
NEXT_TIME = "next_update_time"
REPORTED_DATE = "reported_date"
REPORTED_TIME = "reported_time"
DESCRIPTION = "description"


@dataclass(frozen=True)
class IntakeForm:
    tenant: str | None = None
    impact_start_date: str | None = None  # YYYY-MM-DD
    impact_start_time: str | None = None  # HH:MM, a wall clock in `timezone`
    impact_end_date: str | None = None
    impact_end_time: str | None = None
    timezone: str | None = None
    symptom: str | None = None
    signature: str | None = None
    scope: str | None = None
    region: str | None = None
    check: str | None = None
    check_result: str | None = None
    owner: str | None = None
    update_now: str | None = None
    update_next: str | None = None
    next_update_date: str | None = None
    next_update_time: str | None = None
    reported_date: str | None = None
    reported_time: str | None = None
    description: str | None = None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def get(self, name: str) -> str | None:
        value = getattr(self, name)
        if value is None:
            return None
        value = str(value).strip()
        return value or None

    def but(self, **changes: Any) -> IntakeForm:
        return replace(self, **changes)


def form_from_fields(f: IntakeFields) -> IntakeForm:
    """Saved fields as the form shows them: times on a clock in the zone they were entered in."""
    tz = f.timezone
    start_date, start_time = local_date_time(f.impact_start, tz)
    end_date, end_time = local_date_time(f.impact_end, tz)
    next_date, next_time = local_date_time(f.next_update_at, tz)
    reported_date, reported_time = local_date_time(f.customer_reported_at, tz)
    return IntakeForm(
        tenant=f.tenant_id,
        impact_start_date=start_date,
        impact_start_time=start_time,
        impact_end_date=end_date,
        impact_end_time=end_time,
        timezone=tz,
        symptom=f.symptom,
        signature=f.signature_id,
        scope=f.scope,
        region=f.scope_region,
        check=f.fastest_check,
        check_result=f.check_result,
        owner=f.owner_team,
        update_now=f.update_now,
        update_next=f.update_next,
        next_update_date=next_date,
        next_update_time=next_time,
        reported_date=reported_date,
        reported_time=reported_time,
        description=f.description,
    )
