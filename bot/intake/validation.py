"""Checking a filled-in intake form: every problem, each on the field it belongs to.

Pure: no database, no Slack. The modal answers Slack's view_submission with these errors
(`response_action: errors`, one message per input), so they are written for the person
looking at the form, and all of them are found in one pass.

Required to save: customer, impact start, timezone, symptom, failure signature, and for a
customer-reported issue the time the customer reported it. Everything else may come later;
`missing_fields` lists what a complete intake still lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.config.domain import DomainConfig
from bot.errors import NotFound, ValidationFailed
from bot.intake import form as F
from bot.intake.fields import ONCALL, CheckResult, IntakeFields, Scope
from bot.intake.form import IntakeForm
from bot.intake.times import local_to_utc, resolve_end, zone
from bot.playbooks import UNCLASSIFIED_ID, PlaybookLibrary, Symptom


class IntakeInvalid(ValidationFailed):
    """The form has problems; `errors` maps form field names to messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


REQUIRED = "Required."


@dataclass
class _Check:
    form: IntakeForm
    config: DomainConfig
    playbooks: PlaybookLibrary
    now: datetime
    customer_report: bool

    def __post_init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.tz: ZoneInfo | None = None

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name: str, limit: int = 3000) -> str | None:
        value = self.form.get(name)
        if value is not None and len(value) > limit:
            self.fail(name, f"At most {limit} characters, please ({len(value)} now).")
        return value

    def day(self, name: str) -> date | None:
        value = self.form.get(name)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(name, f"{value!r} is not a date.")
            return None

    def clock(self, name: str) -> time | None:
        value = self.form.get(name)
        if value is None:
            return None
        try:
            return time.fromisoformat(value)
        except ValueError:
            self.fail(name, f"{value!r} is not a time of day.")
            return None

    def local(
        self, prefix: str, date_name: str, time_name: str, *, required: bool
    ) -> tuple[date, time] | None:
        """A date and a time that go together; one without the other is an error."""
        day, at = self.day(date_name), self.clock(time_name)
        given_day, given_time = self.form.get(date_name), self.form.get(time_name)
        if given_day is None and given_time is None:
            if required:
                self.fail(date_name, REQUIRED)
                self.fail(time_name, REQUIRED)
            return None
        if given_day is None:
            self.fail(date_name, f"Pick the date of the {prefix} too.")
        if given_time is None:
            self.fail(time_name, f"Pick the time of the {prefix} too.")
        if day is None or at is None:
            return None
        return day, at

    def now_there(self) -> str:
        assert self.tz is not None
        return f"it is now {self.now.astimezone(self.tz):%d %b %H:%M} in {self.tz.key}"

    def instant(self, name: str, what: str, value: tuple[date, time] | None) -> datetime | None:
        """A wall-clock date and time in the chosen zone, in UTC; never in the future."""
        if value is None or self.tz is None:
            return None
        try:
            when = local_to_utc(value[0], value[1], self.tz)
        except ValidationFailed as exc:
            self.fail(name, exc.message)
            return None
        if when > self.now:
            self.fail(name, f"The {what} cannot be in the future: {self.now_there()}.")
            return None
        return when


def validate(
    form: IntakeForm,
    *,
    config: DomainConfig,
    playbooks: PlaybookLibrary,
    now: datetime,
    customer_report: bool = False,
) -> IntakeFields:
    """The form as fields, or IntakeInvalid listing every problem by form field name."""
    c = _Check(form, config, playbooks, now, customer_report)

    tenant_id = form.get(F.TENANT)
    tenant = config.tenant(tenant_id)
    if tenant_id is None:
        c.fail(F.TENANT, REQUIRED)
    elif tenant is None:
        c.fail(
            F.TENANT, f"{tenant_id!r} is not a key tenant in crebot.yaml; pick one from the list."
        )

    tz_name = form.get(F.TIMEZONE) or (tenant.timezone if tenant else None)
    if tz_name is None:
        c.fail(F.TIMEZONE, REQUIRED)
    else:
        try:
            c.tz = zone(tz_name)
        except ValidationFailed:
            c.fail(F.TIMEZONE, f"{tz_name!r} is not a timezone crebot knows.")

    start_at = c.local("impact start", F.START_DATE, F.START_TIME, required=True)
    start = c.instant(F.START_TIME, "impact start", start_at)
    end_at = c.local("impact end", F.END_DATE, F.END_TIME, required=False)
    end = _end(c, start, end_at)

    symptom = form.get(F.SYMPTOM)
    if symptom is None:
        c.fail(F.SYMPTOM, REQUIRED)
    elif symptom not in {s.value for s in Symptom}:
        c.fail(F.SYMPTOM, f"{symptom!r} is not a symptom crebot knows.")
    signature_id = _signature(c, symptom)

    scope, region = form.get(F.SCOPE), c.text(F.REGION, 64)
    if scope is not None and scope not in {s.value for s in Scope}:
        c.fail(F.SCOPE, f"{scope!r} is not a scope crebot knows.")
    if scope == Scope.REGION and region is None:
        c.fail(F.REGION, "Required when the scope is one region: which region?")
    if scope != Scope.REGION:
        region = None

    result = form.get(F.CHECK_RESULT)
    if result is not None and result not in {r.value for r in CheckResult}:
        c.fail(F.CHECK_RESULT, f"{result!r} is not a result crebot knows.")
    owner = form.get(F.OWNER)
    if owner is not None and owner != ONCALL and owner not in config.teams:
        c.fail(F.OWNER, f"{owner!r} is not a team in crebot.yaml.")

    next_at = c.local("next update", F.NEXT_DATE, F.NEXT_TIME, required=False)
    next_update = _next_update(c, next_at)
    reported_at = c.local(
        "customer report", F.REPORTED_DATE, F.REPORTED_TIME, required=customer_report
    )
    reported = c.instant(F.REPORTED_TIME, "customer report", reported_at)
    if reported is not None and start is not None and reported < start:
        c.fail(F.REPORTED_TIME, "The customer cannot have reported it before the impact started.")

    fields = IntakeFields(
        tenant_id=tenant_id,
        impact_start=start,
        impact_end=end,
        timezone=tz_name,
        symptom=symptom,
        signature_id=signature_id,
        scope=scope,
        scope_region=region,
        fastest_check=c.text(F.CHECK),
        check_result=result,
        owner_team=owner,
        update_now=c.text(F.UPDATE_NOW),
        update_next=c.text(F.UPDATE_NEXT),
        next_update_at=next_update,
        customer_reported_at=reported,
        description=c.text(F.DESCRIPTION),
    )
    if c.errors:
        raise IntakeInvalid(c.errors)
    return fields


def _end(c: _Check, start: datetime | None, value: tuple[date, time] | None) -> datetime | None:
    if value is None or c.tz is None:
        return None
    try:
        end = resolve_end(start, *value, c.tz) if start else local_to_utc(*value, c.tz)
    except ValidationFailed as exc:
        c.fail(F.END_TIME, exc.message)
        return None
    if start is not None and end < start:
        c.fail(F.END_TIME, "The impact cannot end before it started.")
        return None
    if end > c.now:
        c.fail(F.END_TIME, f"Leave the end empty while the impact is ongoing: {c.now_there()}.")
        return None
    return end


def _signature(c: _Check, symptom: str | None) -> str | None:
    signature_id = c.form.get(F.SIGNATURE)
    if signature_id is None:
        c.fail(F.SIGNATURE, REQUIRED)
        return None
    try:
        playbook = c.playbooks.get(signature_id)
    except NotFound:
        c.fail(F.SIGNATURE, f"There is no failure signature {signature_id!r}.")
        return None
    if signature_id != UNCLASSIFIED_ID and symptom and playbook.symptom != symptom:
        c.fail(
            F.SIGNATURE,
            f"{playbook.title} is a {playbook.symptom} signature: pick one for {symptom}, "
            "or change the symptom.",
        )
    return signature_id


def _next_update(c: _Check, value: tuple[date, time] | None) -> datetime | None:
    if value is None or c.tz is None:
        return None
    try:
        when = local_to_utc(*value, c.tz)
    except ValidationFailed as exc:
        c.fail(F.NEXT_TIME, exc.message)
        return None
    if when <= c.now:
        c.fail(F.NEXT_TIME, f"The next update is due in the future: {c.now_there()}.")
        return None
    return when
