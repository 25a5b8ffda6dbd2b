"""The intake modal, built by pure functions from an `IntakeForm` and the choices on offer.

One modal, grouped under headers: customer and impact window, what is failing, the check
and the owner, the customer update. Choosing a customer, symptom, signature or scope
dispatches a block action and the modal is redrawn (views.update) from its current state.

Slack keeps what a person entered in an input across views.update as long as its block_id
stays the same, and then ignores a new initial value. So the inputs crebot re-fills (the
timezone when the customer changes, owner and check when the signature changes, the
signature menu when the symptom changes) carry a short digest of what they depend on in
their block_id: a new choice gives them a new id, and the new value shows.

Limits kept: ≤100 blocks (about 25 here), title/submit/close ≤24 characters, option text
≤75, private_metadata ≤3000 (ids only), and static menus ≤100 options: beyond 100 key
tenants the customer menu becomes an external_select served by an options listener.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DatePickerElement,
    ExternalDataSelectElement,
    HeaderBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.config.loader import Domain
from bot.intake import form as F
from bot.intake.fields import (
    CHECK_RESULT_LABELS,
    ONCALL,
    SCOPE_LABELS,
    SYMPTOM_LABELS,
    Scope,
)
from bot.intake.form import IntakeForm
from bot.intake.submit import Mode
from bot.intake.times import timezone_choices
from bot.playbooks import UNCLASSIFIED
from bot.slack import ids
from bot.slack.intake_state import Meta, action_id, block_id
from bot.slack.text import shorten

MAX_OPTIONS = 100
TEXT_LIMIT = 3000  # plain_text_input max_length


@dataclass(frozen=True)
class Choices:
    """What the menus offer, read from the configuration in force."""

    tenants: tuple[tuple[str, str], ...]  # (id, name) of key tenants
    signatures: tuple[tuple[str, str, str | None], ...]  # (id, title, symptom)
    teams: tuple[str, ...]
    timezones: tuple[str, ...]

    @classmethod
    def of(cls, domain: Domain, *zones: str | None) -> Choices:
        config = domain.config
        return cls(
            tenants=tuple((t.id, t.name) for t in config.tenants),
            signatures=tuple(
                (p.id, p.title, p.symptom.value if p.symptom else None)
                for p in domain.playbooks.all()
            ),
            teams=tuple(config.teams),
            timezones=tuple(timezone_choices(*zones, *(t.timezone for t in config.tenants))),
        )

    def tenant_name(self, tenant_id: str | None) -> str | None:
        return next((name for tid, name in self.tenants if tid == tenant_id), None)


def _option(value: str, text: str) -> Option:
    return Option(value=value, text=PlainTextObject(text=shorten(text, 75)))


def _static(
    name: str, options: Sequence[Option], chosen: str | None, placeholder: str
) -> StaticSelectElement:
    initial = next((o for o in options if o.value == chosen), None)
    return StaticSelectElement(
        action_id=action_id(name),
        placeholder=placeholder,
        options=list(options)[:MAX_OPTIONS],
        initial_option=initial,
    )


def _text(
    name: str, value: str | None, *, multiline: bool = False, placeholder: str = ""
) -> PlainTextInputElement:
    return PlainTextInputElement(
        action_id=action_id(name),
        initial_value=shorten(value, TEXT_LIMIT) if value else None,
        multiline=multiline,
        max_length=TEXT_LIMIT,
        placeholder=placeholder or None,
    )


def _input(
    name: str,
    label: str,
    element: InputInteractiveElement,
    *,
    optional: bool = True,
    hint: str | None = None,
    dispatch: bool = False,
    depends_on: Iterable[str | None] = (),
) -> InputBlock:
    return InputBlock(
        block_id=block_id(name, *depends_on),
        label=label,
        element=element,
        optional=optional,
        hint=hint,
        dispatch_action=dispatch or None,
    )


def _date(name: str, value: str | None) -> DatePickerElement:
    return DatePickerElement(action_id=action_id(name), initial_date=value, placeholder="Date")


def _time(name: str, value: str | None) -> TimePickerElement:
    return TimePickerElement(action_id=action_id(name), initial_time=value, placeholder="Time")


def tenant_options(tenants: Iterable[tuple[str, str]], query: str = "") -> list[Option]:
    """Key tenants whose id or name contains `query` (case-insensitive), at most 100."""
    q = query.strip().lower()
    found = [
        _option(tid, f"{name} ({tid})") for tid, name in tenants if q in f"{tid} {name}".lower()
    ]
    return found[:MAX_OPTIONS]


def _tenant_element(form: IntakeForm, choices: Choices) -> InputInteractiveElement:
    chosen = form.get(F.TENANT)
    if len(choices.tenants) <= MAX_OPTIONS:
        return _static(F.TENANT, tenant_options(choices.tenants), chosen, "Search key tenants")
    name = choices.tenant_name(chosen)
    initial = _option(chosen, f"{name} ({chosen})") if chosen and name else None
    return ExternalDataSelectElement(
        action_id=ids.INTAKE_TENANT,
        placeholder="Type a tenant's name or id",
        min_query_length=0,
        initial_option=initial,
    )


def signature_options(choices: Choices, symptom: str | None) -> list[Option]:
    """Signatures for the symptom (all of them before one is chosen), then `unclassified`."""
    fitting = [(sid, title) for sid, title, s in choices.signatures if symptom in (None, s)]
    options = [_option(sid, title) for sid, title in fitting[: MAX_OPTIONS - 1]]
    return [*options, _option(UNCLASSIFIED.id, "Unclassified (none of these)")]


def _customer_and_impact(form: IntakeForm, choices: Choices, meta: Meta) -> list[Block]:
    tenant = form.get(F.TENANT)
    blocks: list[Block] = [
        HeaderBlock(text="Customer and impact"),
        _input(F.TENANT, "Customer", _tenant_element(form, choices), optional=False, dispatch=True),
        _input(
            F.START_DATE,
            "Impact started on",
            _date(F.START_DATE, form.get(F.START_DATE)),
            optional=False,
        ),
        _input(
            F.START_TIME,
            "Impact started at",
            _time(F.START_TIME, form.get(F.START_TIME)),
            optional=False,
        ),
        _input(
            F.END_DATE,
            "Impact ended on",
            _date(F.END_DATE, form.get(F.END_DATE)),
            hint="Leave the end empty while the impact is ongoing.",
        ),
        _input(F.END_TIME, "Impact ended at", _time(F.END_TIME, form.get(F.END_TIME))),
        _input(
            F.TIMEZONE,
            "Timezone of these times",
            _static(
                F.TIMEZONE,
                [_option(z, z) for z in _zones(choices, form)],
                form.get(F.TIMEZONE),
                "Timezone",
            ),
            optional=False,
            hint="Defaults to the customer's timezone. Times are stored in UTC.",
            depends_on=[tenant],
        ),
    ]
    # Customer reports: asked when declaring, and shown again whenever one was recorded.
    declaring = meta.mode == Mode.DECLARE
    if declaring or form.get(F.REPORTED_DATE):
        blocks += [
            _input(
                F.REPORTED_DATE,
                "Customer reported it on",
                _date(F.REPORTED_DATE, form.get(F.REPORTED_DATE)),
                optional=not declaring,
            ),
            _input(
                F.REPORTED_TIME,
                "Customer reported it at",
                _time(F.REPORTED_TIME, form.get(F.REPORTED_TIME)),
                optional=not declaring,
                hint="The response clock starts at the report." if declaring else None,
            ),
        ]
    return blocks


def _zones(choices: Choices, form: IntakeForm) -> list[str]:
    chosen = form.get(F.TIMEZONE)
    zones = list(choices.timezones)
    if chosen and chosen not in zones:
        zones = [chosen, *zones][:MAX_OPTIONS]
    return zones


def _what_fails(form: IntakeForm, choices: Choices) -> list[Block]:
    symptom, signature, scope = form.get(F.SYMPTOM), form.get(F.SIGNATURE), form.get(F.SCOPE)
    symptoms = [_option(v, label) for v, label in SYMPTOM_LABELS.items()]
    scopes = [_option(s.value, label) for s, label in SCOPE_LABELS.items()]
    blocks: list[Block] = [
        HeaderBlock(text="What is failing"),
        _input(
            F.SYMPTOM,
            "Symptom",
            _static(F.SYMPTOM, symptoms, symptom, "What the customer sees"),
            optional=False,
            dispatch=True,
            depends_on=[signature if symptom else None],
        ),
        _input(
            F.SIGNATURE,
            "Failure signature",
            _static(
                F.SIGNATURE, signature_options(choices, symptom), signature, "Pick a signature"
            ),
            optional=False,
            dispatch=True,
            hint="Choosing one fills in the owner and the fastest check.",
            depends_on=[symptom],
        ),
        _input(
            F.SCOPE, "Scope", _static(F.SCOPE, scopes, scope, "How far it reaches"), dispatch=True
        ),
    ]
    if scope == Scope.REGION:
        region = PlainTextInputElement(
            action_id=action_id(F.REGION),
            initial_value=form.get(F.REGION),
            max_length=64,
            placeholder="e.g. eu-west-1",
        )
        blocks.append(_input(F.REGION, "Region", region, optional=False))
    return blocks


def _check_and_owner(form: IntakeForm, choices: Choices) -> list[Block]:
    tenant, signature = form.get(F.TENANT), form.get(F.SIGNATURE)
    results = [_option(r.value, label) for r, label in CHECK_RESULT_LABELS.items()]
    owners = [_option(t, t) for t in choices.teams] + [_option(ONCALL, "On-call (no owning team)")]
    return [
        HeaderBlock(text="Check and owner"),
        _input(
            F.CHECK,
            "Fastest internal check",
            _text(
                F.CHECK, form.get(F.CHECK), placeholder="The dashboard or query that confirms it"
            ),
            depends_on=[tenant, signature],
        ),
        _input(
            F.CHECK_RESULT,
            "What it showed",
            _static(F.CHECK_RESULT, results, form.get(F.CHECK_RESULT), "Result"),
        ),
        _input(
            F.OWNER,
            "Owner (the team with the actuator)",
            _static(F.OWNER, owners, form.get(F.OWNER), "Team"),
            hint="Changing it invites the team to the incident and tells its channel.",
            depends_on=[signature],
        ),
    ]


def _customer_update(form: IntakeForm) -> list[Block]:
    return [
        HeaderBlock(text="Customer update"),
        _input(
            F.UPDATE_NOW,
            "What we can say now",
            _text(F.UPDATE_NOW, form.get(F.UPDATE_NOW), multiline=True),
        ),
        _input(
            F.UPDATE_NEXT,
            "What we will say next",
            _text(F.UPDATE_NEXT, form.get(F.UPDATE_NEXT), multiline=True),
        ),
        _input(F.NEXT_DATE, "Next update due on", _date(F.NEXT_DATE, form.get(F.NEXT_DATE))),
        _input(
            F.NEXT_TIME,
            "Next update due at",
            _time(F.NEXT_TIME, form.get(F.NEXT_TIME)),
            hint="These seed the customer notification's draft.",
        ),
        # Keyed by its own text: a description crebot fills in later (a shortcut's permalink)
        # shows even in Slack clients that keep an untouched input's old value.
        _input(
            F.DESCRIPTION,
            "Description",
            _text(F.DESCRIPTION, form.get(F.DESCRIPTION), multiline=True),
            depends_on=[form.get(F.DESCRIPTION)],
        ),
    ]


def intake_modal(
    form: IntakeForm, choices: Choices, meta: Meta, *, about: str | None = None
) -> View:
    """The whole modal. `about` is one line of mrkdwn on top (which incident this is)."""
    if meta.mode == Mode.DECLARE:
        title, submit = "Declare CRE incident", "Declare"
        about = about or (
            "A customer reported an issue. Declaring opens an incident for this customer and "
            "signature, with you as its acknowledger; if one is already open, the report "
            "joins it."
        )
    else:
        title, submit = "CRE intake", "Save intake"
    blocks: list[Block] = []
    if about:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=shorten(about, 3000))]))
    blocks += _customer_and_impact(form, choices, meta)
    blocks += _what_fails(form, choices)
    blocks += _check_and_owner(form, choices)
    blocks += _customer_update(form)
    return View(
        type="modal",
        callback_id=ids.INTAKE_VIEW,
        title=title,
        submit=submit,
        close="Cancel",
        private_metadata=meta.dump(),
        blocks=blocks,
    )
