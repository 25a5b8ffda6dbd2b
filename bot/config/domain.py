"""crebot.yaml: the domain configuration, validated strictly.

Unknown keys are errors (a misspelt `reminder:` must not silently turn reminders off), and
every problem names the file, the line and the key path.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> timedelta:
    """'30s', '15m', '2h', '1d' -> timedelta. Bare numbers are refused: is 15 minutes or seconds?"""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            return timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])
    raise ValueError(f"not a duration: {value!r} (write it like 30s, 15m, 2h or 1d)")


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]

# Slack ids: users U…/W…, user groups S…, channels C…/G….
_USER_OR_GROUP = re.compile(r"^[UWS][A-Z0-9]{2,}$")
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")
_TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def _slack_targets(values: list[str]) -> list[str]:
    for v in values:
        if not _USER_OR_GROUP.match(v):
            raise ValueError(f"{v!r} is not a Slack user (U…/W…) or user group (S…) id")
    return values


def _channel(value: str | None) -> str | None:
    if value is not None and not _CHANNEL.match(value):
        raise ValueError(f"{value!r} is not a Slack channel id (C… or G…)")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EscalationStep(_Strict):
    after: Duration
    notify: list[str] = Field(min_length=1)

    _check_notify = field_validator("notify")(_slack_targets)


class ResponseConfig(_Strict):
    slo: Duration = timedelta(minutes=15)
    reminders: list[Duration] = Field(
        default_factory=lambda: [timedelta(minutes=5), timedelta(minutes=10)]
    )
    escalation: list[EscalationStep] = Field(default_factory=list)
    update_every: Duration = timedelta(minutes=60)
    update_reminder_before: Duration = timedelta(minutes=10)

    @model_validator(mode="after")
    def _ordered(self) -> ResponseConfig:
        if self.slo <= timedelta(0):
            raise ValueError("slo must be longer than 0s")
        _check_escalation_order(self.escalation)
        return self


def _check_escalation_order(steps: list[EscalationStep]) -> None:
    offsets = [s.after for s in steps]
    if offsets != sorted(offsets):
        raise ValueError("escalation steps must be in order of `after`")


class StormConfig(_Strict):
    tenants: int = Field(ge=2)
    window: Duration


class ChannelsConfig(_Strict):
    private: bool = True
    support: str | None = None
    triage: str | None = None

    _check = field_validator("support", "triage")(_channel)


class TeamConfig(_Strict):
    members: list[str] = Field(default_factory=list)
    channel: str | None = None

    _check_members = field_validator("members")(_slack_targets)
    _check_channel = field_validator("channel")(_channel)


class AckRole(StrEnum):
    ONCALL = "oncall"
    OWNER = "owner"
    ESCALATION = "escalation"
    APPROVERS = "approvers"
    CSAMS = "csams"
    ANYONE = "anyone"


class PermissionsConfig(_Strict):
    acknowledge: list[AckRole] = Field(
        default_factory=lambda: [
            AckRole.ONCALL,
            AckRole.OWNER,
            AckRole.ESCALATION,
            AckRole.APPROVERS,
        ]
    )


class NotificationsConfig(_Strict):
    approval_reminder: Duration = timedelta(minutes=15)
    offer_to_approvers_after: Duration = timedelta(minutes=30)


class ReviewConfig(_Strict):
    archive_channel: bool = True
    # A Jinja2 Markdown template replacing the shipped postmortem template; a relative path
    # is read from crebot.yaml's folder.
    postmortem_template: str | None = Field(default=None, min_length=1)


class TenantConfig(_Strict):
    id: str
    name: str = Field(min_length=1)
    tier: str = "standard"
    timezone: str = "UTC"
    csams: list[str] = Field(default_factory=list)
    customer_channel: str | None = None
    response_slo: Duration | None = None
    escalation: list[EscalationStep] | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _TENANT_ID.match(value):
            raise ValueError(
                f"{value!r}: tenant ids are lowercase letters, digits, '-' and '_' (at most 63)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r} (use an IANA name like Europe/London)"
            ) from None
        return value

    _check_csams = field_validator("csams")(_slack_targets)
    _check_channel = field_validator("customer_channel")(_channel)

    @model_validator(mode="after")
    def _ordered(self) -> TenantConfig:
        if self.escalation is not None:
            _check_escalation_order(self.escalation)
        if self.response_slo is not None and self.response_slo <= timedelta(0):
            raise ValueError("response_slo must be longer than 0s")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class DomainConfig(_Strict):
    response: ResponseConfig = Field(default_factory=ResponseConfig)
    storm: StormConfig | None = None
    channels: ChannelsConfig = Field(default_factory=ChannelsConfig)
    oncall: list[str] = Field(default_factory=list)
    approvers: list[str] = Field(default_factory=list)
    teams: dict[str, TeamConfig] = Field(default_factory=dict)
    tenants: list[TenantConfig] = Field(default_factory=list)
    permissions: PermissionsConfig = Field(default_factory=PermissionsConfig)
    notifications: NotificationsConfig = Field(default_factory=NotificationsConfig)
    review: ReviewConfig = Field(default_factory=ReviewConfig)

    _check_oncall = field_validator("oncall", "approvers")(_slack_targets)

    def tenant(self, tenant_id: str | None) -> TenantConfig | None:
        if tenant_id is None:
            return None
        return self._tenants_by_id().get(tenant_id)

    def _tenants_by_id(self) -> dict[str, TenantConfig]:
        cache: dict[str, TenantConfig] | None = self.__dict__.get("_by_id")
        if cache is None:
            cache = {t.id: t for t in self.tenants}
            # frozen model: stash the index without going through __setattr__
            self.__dict__["_by_id"] = cache
        return cache

    def slo_for(self, tenant_id: str | None) -> timedelta:
        t = self.tenant(tenant_id)
        return t.response_slo if t and t.response_slo else self.response.slo

    def escalation_for(self, tenant_id: str | None) -> list[EscalationStep]:
        t = self.tenant(tenant_id)
        return (
            list(t.escalation) if t and t.escalation is not None else list(self.response.escalation)
        )
