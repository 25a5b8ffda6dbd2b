"""The playbook model: one failure signature, as written in playbooks/*.yaml.

`Playbook` is what the rest of crebot reads. `PlaybookFile` is what a file must say: it
requires the fields that only the built-in `UNCLASSIFIED` playbook may leave empty, and
checks the owner against crebot.yaml's teams when the loader passes them as validation
context (`{"teams": {...}}`). Templates are checked when the model is built, so a broken
one is a load error reported with its file and line, not a failure during an incident.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from bot.playbooks.templates import check_template


class Symptom(StrEnum):
    """What the customer experiences, whatever the cause."""

    LATENCY = "latency"
    ERRORS = "errors"
    INCORRECT_RESULTS = "incorrect_results"
    PARTIAL_FAILURE = "partial_failure"


class Severity(StrEnum):
    SEV1 = "sev1"
    SEV2 = "sev2"
    SEV3 = "sev3"
    SEV4 = "sev4"


UNCLASSIFIED_ID = "unclassified"

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid id: use lowercase letters, digits and single hyphens"
        )
    return value


def _template(source: str) -> str:
    problem = check_template(source)
    if problem is not None:
        raise ValueError(problem)
    return source


def _url_template(source: str) -> str:
    # Slack shows these as links; anything else is almost always a copy-paste slip.
    if not source.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL (Jinja2 is allowed after the scheme)")
    return _template(source)


def _label_values(value: Any) -> Any:
    # Alert labels are strings, and YAML reads `code: 503` as a number: say so, rather than
    # silently comparing "503" with 503 and never matching.
    items = list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
    for item in items:
        if isinstance(item, bool | int | float):
            raise ValueError(f"label values are strings: quote {item!r} as '{item}'")
    return items


def _distinct(values: tuple[str, ...]) -> tuple[str, ...]:
    if not values:
        raise ValueError("list at least one value")
    return tuple(dict.fromkeys(values))


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(max_length=64), AfterValidator(_slug)]
TemplateText = Annotated[str, AfterValidator(_template)]
UrlTemplate = Annotated[str, AfterValidator(_url_template)]
# A single value or a list meaning "any of"; always a tuple of distinct values once read.
LabelValues = Annotated[
    tuple[Annotated[str, StringConstraints(min_length=1)], ...],
    BeforeValidator(_label_values),
    AfterValidator(_distinct),
]


class _Strict(BaseModel):
    # Unknown keys are errors: a misspelt `runbok:` must not silently drop the runbook.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Link(_Strict):
    """A page bookmarked in the incident channel."""

    title: Text
    url: UrlTemplate


class CustomerMessages(_Strict):
    """Jinja2 templates for the customer; each one missing falls back to a built-in default."""

    initial: TemplateText | None = None
    update: TemplateText | None = None
    resolved: TemplateText | None = None


class Playbook(_Strict):
    """A failure signature: how to recognise it, who owns it, what to check and to say."""

    id: Slug
    title: Text
    symptom: Symptom | None = None  # None only for UNCLASSIFIED: the symptom is not known
    match: dict[Annotated[str, StringConstraints(min_length=1)], LabelValues] = Field(
        default_factory=dict
    )
    owner: str | None = None  # a team of crebot.yaml; None means the on-call
    severity: Severity
    fastest_check: UrlTemplate
    fastest_check_label: Text | None = None
    links: tuple[Link, ...] = ()
    runbook: tuple[Text, ...] = Field(min_length=1)
    customer_messages: CustomerMessages = CustomerMessages()


class PlaybookFile(Playbook):
    """A playbook as a file must write it: every field the built-in may leave empty is required."""

    symptom: Symptom
    match: dict[Annotated[str, StringConstraints(min_length=1)], LabelValues]
    owner: str

    @field_validator("id")
    @classmethod
    def _not_builtin(cls, value: str) -> str:
        if value == UNCLASSIFIED_ID:
            raise ValueError(
                f"{UNCLASSIFIED_ID!r} is the built-in playbook for alerts that match no other; "
                "choose another id"
            )
        return value

    @field_validator("match", mode="before")
    @classmethod
    def _not_empty(cls, value: Any) -> Any:
        # Before type checks, so that a bare `match:` (None) gets this message too.
        if value is None or value == {}:
            raise ValueError("must name at least one label: an empty match would match every alert")
        return value

    @field_validator("owner")
    @classmethod
    def _known_team(cls, value: str, info: ValidationInfo) -> str:
        teams = (info.context or {}).get("teams")
        if teams is not None and value not in teams:
            known = ", ".join(sorted(teams)) or "none are configured"
            raise ValueError(f"unknown team {value!r}; the teams in crebot.yaml are: {known}")
        return value


# Written like the shipped YAML files: block tags on their own lines (trim_blocks removes them).
_UNCLASSIFIED_INITIAL = """\
We detected an issue in your environment and are addressing it now.

The issue started at {{ impact.start }}. We are working to understand its scope.
{% if next_update_at %}

We will send our next update by {{ next_update_at }}.
{% endif %}
"""

_UNCLASSIFIED_UPDATE = """\
An update on the issue in your environment (reference {{ incident.number }}).

{{ now_update or "Our engineers are continuing to work on it." }}
{% if next_update %}

{{ next_update }}
{% endif %}
{% if next_update_at %}

We will send our next update by {{ next_update_at }}.
{% endif %}
"""

_UNCLASSIFIED_RESOLVED = """\
The issue in your environment is resolved{% if impact.end %} as of {{ impact.end }}{% endif %}.
{% if now_update %}

{{ now_update }}
{% endif %}

We apologise for the disruption; your account team can share the cause once our review is done.
"""

UNCLASSIFIED = Playbook(
    id=UNCLASSIFIED_ID,
    title="Unclassified alert",
    symptom=None,
    owner=None,
    severity=Severity.SEV3,
    fastest_check=(
        "https://grafana.example/d/tenant-overview?var-tenant={{ tenant.id }}&from=now-6h&to=now"
    ),
    fastest_check_label="Tenant overview, last 6 hours",
    runbook=(
        "Read the alert's summary, description and link: they say what fired and where.",
        "Open the tenant overview and note what else changed for this tenant in the same "
        "window: error rate, latency, traffic, recent deployments.",
        "Find the owning team from the alert's labels (service, namespace, job) and invite "
        "them to this channel.",
        "If customers are affected, set the severity and send the initial customer message; "
        "if not, acknowledge the incident as a false positive.",
        "Afterwards, add a playbook for this alert to playbooks/ so the next one is routed "
        "to its owner with a runbook.",
    ),
    customer_messages=CustomerMessages(
        initial=_UNCLASSIFIED_INITIAL,
        update=_UNCLASSIFIED_UPDATE,
        resolved=_UNCLASSIFIED_RESOLVED,
    ),
)
