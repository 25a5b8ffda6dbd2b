"""The intake's fields: what one saved version holds, which are still missing, what changed.

`IntakeFields` is the plain value the rest of the intake passes around: the Slack edge
builds it from a validated modal, the outbox carries it as JSON, and `save_revision` turns
it into an `IntakeRevision` row. Its attribute names are the row's column names.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.clock import utc


class Scope(StrEnum):
    """How far the harm reaches."""

    USER = "user"
    TENANT = "tenant"
    REGION = "region"
    GLOBAL = "global"


SCOPE_LABELS: dict[Scope, str] = {
    Scope.USER: "One user",
    Scope.TENANT: "One tenant",
    Scope.REGION: "One region",
    Scope.GLOBAL: "Global",
}


class CheckResult(StrEnum):
    """What the fastest internal check showed."""

    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"
    INCONCLUSIVE = "inconclusive"


CHECK_RESULT_LABELS: dict[CheckResult, str] = {
    CheckResult.CONFIRMED: "Confirmed",
    CheckResult.NOT_CONFIRMED: "Not confirmed",
    CheckResult.INCONCLUSIVE: "Inconclusive",
}

SYMPTOM_LABELS: dict[str, str] = {
    "latency": "Latency",
    "errors": "Errors",
    "incorrect_results": "Incorrect results",
    "partial_failure": "Partial feature failure",
}

# The owner when no team has the actuator: the on-call (crebot.yaml `oncall`). On the
# incident this is `owner_team = None`, as for the built-in `unclassified` playbook.
ONCALL = "oncall"

_DATETIMES = ("impact_start", "impact_end", "next_update_at", "customer_reported_at")


@dataclass(frozen=True)
class IntakeFields:
    tenant_id: str | None = None
    impact_start: datetime | None = None
    impact_end: datetime | None = None  # None: the impact is ongoing
    timezone: str | None = None  # the reporter's choice, kept to show their times back
    symptom: str | None = None
    signature_id: str | None = None
    scope: str | None = None
    scope_region: str | None = None
    fastest_check: str | None = None
    check_result: str | None = None
    owner_team: str | None = None
    update_now: str | None = None
    update_next: str | None = None
    next_update_at: datetime | None = None
    customer_reported_at: datetime | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        for name in _DATETIMES:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, utc(value))  # refuses naive datetimes

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def of(cls, row: Any) -> IntakeFields:
        """The fields of anything with the same attribute names (an IntakeRevision row)."""
        return cls(**{name: getattr(row, name) for name in cls.names()})

    def columns(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for name in _DATETIMES:
            if out[name] is not None:
                out[name] = out[name].isoformat()
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IntakeFields:
        values: dict[str, Any] = {name: data.get(name) for name in cls.names()}
        for name in _DATETIMES:
            if values[name] is not None:
                values[name] = datetime.fromisoformat(str(values[name]))
        return cls(**values)

    def but(self, **changes: Any) -> IntakeFields:
        return replace(self, **changes)


class HasFields(Protocol):
    tenant_id: str | None
    impact_start: datetime | None
    timezone: str | None
    symptom: str | None
    signature_id: str | None
    scope: str | None
    scope_region: str | None
    fastest_check: str | None
    check_result: str | None
    owner_team: str | None
    update_now: str | None
    update_next: str | None
    next_update_at: datetime | None
    customer_reported_at: datetime | None


# Public names of the fields, as the API and the header show them, in the template's order.
FIELD_NAMES: dict[str, str] = {
    "tenant_id": "customer",
    "impact_start": "impact_start",
    "impact_end": "impact_end",
    "timezone": "timezone",
    "symptom": "symptom",
    "signature_id": "signature",
    "scope": "scope",
    "scope_region": "region",
    "fastest_check": "fastest_check",
    "check_result": "check_result",
    "owner_team": "owner",
    "update_now": "update_now",
    "update_next": "update_next",
    "next_update_at": "next_update_at",
    "customer_reported_at": "customer_reported_at",
    "description": "description",
}

# What a complete intake has. The impact end is not here: empty means "ongoing".
_REQUIRED = (
    "tenant_id",
    "impact_start",
    "timezone",
    "symptom",
    "signature_id",
    "scope",
    "fastest_check",
    "check_result",
    "owner_team",
    "update_now",
    "update_next",
    "next_update_at",
)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def missing_fields(rev: HasFields | None, *, customer_reported: bool = False) -> list[str]:
    """Public names of the fields a complete intake has and this one lacks.

    The region counts only when the scope is a region; the customer report time only for
    issues the customer reported. With no intake at all, everything is missing.
    """
    wanted = list(_REQUIRED)
    if rev is not None and rev.scope == Scope.REGION:
        wanted.insert(wanted.index("scope") + 1, "scope_region")
    if customer_reported:
        wanted.append("customer_reported_at")
    if rev is None:
        return [FIELD_NAMES[name] for name in wanted]
    return [FIELD_NAMES[name] for name in wanted if _blank(getattr(rev, name))]


def changed_fields(before: IntakeFields | None, after: IntakeFields) -> list[str]:
    """Public names of the fields whose value differs (all that are set, for a first save)."""
    out = []
    for name in IntakeFields.names():
        old = getattr(before, name) if before is not None else None
        new = getattr(after, name)
        if (old or None) != (new or None):
            out.append(FIELD_NAMES[name])
    return out


def fill_blanks(base: IntakeFields, extra: IntakeFields) -> IntakeFields:
    """`base` with its empty fields taken from `extra`: a later report adds, never overwrites."""
    values = {
        name: getattr(extra, name) if _blank(getattr(base, name)) else getattr(base, name)
        for name in IntakeFields.names()
    }
    return IntakeFields(**values)
