"""The intake's pure parts: wall-clock times across DST, validation, missing fields, the modal."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config.loader import Domain, load_domain
from bot.errors import ValidationFailed
from bot.intake import prefill
from bot.intake.customer import template_context
from bot.intake.fields import IntakeFields, changed_fields, fill_blanks, missing_fields
from bot.intake.form import IntakeForm, form_from_fields
from bot.intake.submit import Mode
from bot.intake.times import customer_time, local_to_utc, resolve_end
from bot.intake.validation import IntakeInvalid, validate
from bot.playbooks.templates import render
from bot.slack.intake_modal import MAX_OPTIONS, Choices, intake_modal, tenant_options
from bot.slack.intake_state import Meta, error_blocks, read_state

REPO = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)  # the day British Summer Time began


@pytest.fixture(scope="module")
def domain() -> Domain:
    return load_domain(REPO / "tests" / "data" / "crebot.yaml", REPO / "playbooks")


def good_form(**changes: str | None) -> IntakeForm:
    form = IntakeForm(
        tenant="contoso",
        impact_start_date="2026-03-29",
        impact_start_time="00:30",
        timezone="Europe/London",
        symptom="errors",
        signature="identity-login-failures",
    )
    return form.but(**changes)


def check(domain: Domain, form: IntakeForm, **kw: object) -> IntakeFields:
    return validate(form, config=domain.config, playbooks=domain.playbooks, now=NOW, **kw)  # type: ignore[arg-type]


def errors_of(domain: Domain, form: IntakeForm, **kw: object) -> dict[str, str]:
    with pytest.raises(IntakeInvalid) as caught:
        check(domain, form, **kw)
    return caught.value.errors


# times ----------------------------------------------------------------------------------


def test_wall_clock_times_on_both_sides_of_the_spring_change() -> None:
    day = date(2026, 3, 29)
    assert local_to_utc(day, time(0, 30), LONDON) == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert local_to_utc(day, time(3, 15), LONDON) == datetime(2026, 3, 29, 2, 15, tzinfo=UTC)


def test_a_time_the_clocks_skipped_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationFailed) as caught:
        local_to_utc(date(2026, 3, 29), time(1, 30), LONDON)
    assert "did not happen" in caught.value.message
    assert "GMT to BST" in caught.value.message


def test_a_time_the_clocks_showed_twice_reads_forwards_in_a_window() -> None:
    day = date(2026, 10, 25)  # BST ends: 01:00-02:00 happens twice
    first = local_to_utc(day, time(1, 50), LONDON)
    assert first == datetime(2026, 10, 25, 0, 50, tzinfo=UTC), "the first 01:50 is BST"
    assert local_to_utc(day, time(1, 50), LONDON, later=True) == datetime(
        2026, 10, 25, 1, 50, tzinfo=UTC
    )
    end = resolve_end(first, day, time(1, 10), LONDON)
    assert end == datetime(2026, 10, 25, 1, 10, tzinfo=UTC), "01:10 GMT, 20 minutes later"


def test_the_customer_reads_times_on_the_tenants_clock() -> None:
    assert customer_time(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "Europe/London") == (
        "29 Mar 2026, 00:30 GMT"
    )
    assert customer_time(datetime(2026, 3, 29, 2, 15, tzinfo=UTC), "Europe/London") == (
        "29 Mar 2026, 03:15 BST"
    )
    assert customer_time(datetime(2026, 3, 29, 2, 15, tzinfo=UTC), "Asia/Tokyo") == (
        "29 Mar 2026, 11:15 JST"
    )


# validation ----------------------------------------------------------------------------


def test_a_window_across_the_change_is_stored_in_utc_with_the_zone_kept(domain: Domain) -> None:
    fields = check(domain, good_form(impact_end_date="2026-03-29", impact_end_time="03:15"))
    assert fields.impact_start == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert fields.impact_end == datetime(2026, 3, 29, 2, 15, tzinfo=UTC)
    assert (fields.impact_end - fields.impact_start).total_seconds() == 105 * 60
    assert fields.timezone == "Europe/London"
    shown = form_from_fields(fields)
    assert (shown.impact_start_time, shown.impact_end_time) == ("00:30", "03:15")


def test_every_problem_is_reported_on_its_own_field(domain: Domain) -> None:
    form = IntakeForm(
        tenant="initech",
        impact_start_date="2026-03-29",
        impact_start_time="23:00",
        impact_end_time="10:00",
        symptom="latency",
        signature="identity-login-failures",
        scope="region",
        owner="nobody",
        next_update_date="2026-03-29",
        next_update_time="09:00",
    )
    errors = errors_of(domain, form, customer_report=True)
    assert "not a key tenant" in errors["tenant"]
    assert errors["timezone"] == "Required."  # no tenant to take it from
    assert "impact_start_time" not in errors  # unchecked without a timezone
    assert "date of the impact end" in errors["impact_end_date"]
    assert "errors signature" in errors["signature"]
    assert "which region" in errors["region"]
    assert "not a team" in errors["owner"]
    assert errors["reported_date"] == errors["reported_time"] == "Required."


def test_start_in_the_future_and_end_before_start(domain: Domain) -> None:
    errors = errors_of(domain, good_form(impact_start_time="14:00"))
    assert "cannot be in the future" in errors["impact_start_time"]
    assert "13:00 in Europe/London" in errors["impact_start_time"], "now, in the chosen zone"
    errors = errors_of(
        domain,
        good_form(impact_start_time="03:00", impact_end_date="2026-03-29", impact_end_time="00:45"),
    )
    assert errors == {"impact_end_time": "The impact cannot end before it started."}


def test_required_fields_missing(domain: Domain) -> None:
    errors = errors_of(domain, IntakeForm())
    assert set(errors) >= {
        "tenant",
        "impact_start_date",
        "impact_start_time",
        "symptom",
        "signature",
    }
    assert all(message == "Required." for message in errors.values())


def test_an_impact_start_in_the_skipped_hour_is_an_error_on_the_time(domain: Domain) -> None:
    errors = errors_of(domain, good_form(impact_start_time="01:30"))
    assert "did not happen" in errors["impact_start_time"]


def test_the_timezone_defaults_to_the_tenants(domain: Domain) -> None:
    fields = check(domain, good_form(timezone=None, tenant="northwind", impact_start_time="09:00"))
    assert fields.timezone == "Asia/Tokyo"
    assert fields.impact_start == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)


# missing, changes, merges ---------------------------------------------------------------


def test_missing_fields() -> None:
    assert missing_fields(None)[:3] == ["customer", "impact_start", "timezone"]
    partial = IntakeFields(
        tenant_id="contoso",
        impact_start=NOW,
        timezone="UTC",
        symptom="errors",
        signature_id="api-errors",
        scope="region",
    )
    missing = missing_fields(partial, customer_reported=True)
    assert missing[:2] == ["region", "fastest_check"]
    assert missing[-1] == "customer_reported_at"
    assert "impact_end" not in missing, "an empty end means ongoing"


def test_changed_fields_and_filling_blanks() -> None:
    a = IntakeFields(tenant_id="contoso", scope="tenant", description="")
    b = a.but(scope="global", owner_team="identity")
    assert changed_fields(a, b) == ["scope", "owner"]
    assert changed_fields(None, a) == ["customer", "scope"]
    merged = fill_blanks(a, IntakeFields(tenant_id="fabrikam", scope="user", description="x"))
    assert (merged.tenant_id, merged.scope, merged.description) == ("contoso", "tenant", "x")


def test_fields_survive_the_outbox_as_json() -> None:
    fields = IntakeFields(tenant_id="contoso", impact_start=NOW, next_update_at=NOW)
    assert IntakeFields.from_json(json.loads(json.dumps(fields.to_json()))) == fields
    with pytest.raises(ValueError, match="naive"):
        IntakeFields(impact_start=datetime(2026, 1, 1))


def test_a_customer_report_names_its_tenant(domain: Domain) -> None:
    tenants = domain.config.tenants
    assert prefill.guess_tenant("Contoso Ltd says logins fail", tenants) == "contoso"
    assert prefill.guess_tenant("fabrikam and northwind both down", tenants) is None
    assert prefill.guess_tenant("contosoville is fine", tenants) is None


def test_the_customer_context_seeds_the_notification(domain: Domain) -> None:
    tenant = domain.config.tenant("contoso")
    fields = check(
        domain,
        good_form(
            impact_end_date="2026-03-29",
            impact_end_time="03:15",
            update_now="Logins work again.",
            next_update_date="2026-03-29",
            next_update_time="15:00",
        ),
    )
    context = template_context(tenant, fields, incident_number=7)
    assert context["impact"] == {"start": "29 Mar 2026, 00:30 GMT", "end": "29 Mar 2026, 03:15 BST"}
    assert context["next_update_at"] == "29 Mar 2026, 15:00 BST"
    playbook = domain.playbooks.get("identity-login-failures")
    assert playbook.customer_messages.initial is not None
    text = render(playbook.customer_messages.initial, context)
    assert "00:30 GMT" in text and "Logins work again." in text


# the modal -------------------------------------------------------------------------------


def test_the_modal_keeps_slacks_limits(domain: Domain) -> None:
    form = form_from_fields(
        prefill.for_customer_report(domain.config, tenant_id="contoso", text="x" * 5000, now=NOW)
    )
    meta = Meta(Mode.DECLARE, channel="C0SUPPORT", message_ts="1700000000.000100")
    view = intake_modal(form.but(scope="region"), Choices.of(domain), meta).to_dict()
    assert len(view["blocks"]) <= 100 and len(view["title"]["text"]) <= 24
    assert len(view["private_metadata"]) <= 3000
    assert Meta.load(view["private_metadata"]) == meta
    description = next(b for b in view["blocks"] if b.get("block_id", "").startswith("description"))
    assert len(description["element"]["initial_value"]) <= 3000
    assert any(b.get("block_id") == "region" for b in view["blocks"])


def test_beyond_100_tenants_the_customer_menu_searches(domain: Domain) -> None:
    many = tuple((f"t{i:03d}", f"Tenant {i}") for i in range(150))
    choices = Choices(many, (), (), ("UTC",))
    view = intake_modal(IntakeForm(tenant="t120"), choices, Meta(Mode.DECLARE)).to_dict()
    element = next(b for b in view["blocks"] if b.get("block_id") == "tenant")["element"]
    assert element["type"] == "external_select"
    assert element["initial_option"]["value"] == "t120"
    assert len(tenant_options(many)) == MAX_OPTIONS
    assert [o.value for o in tenant_options(many, "tenant 14")][:2] == ["t014", "t140"]


def test_state_reads_back_and_errors_find_their_blocks(domain: Domain) -> None:
    form = good_form(scope="tenant")
    view = intake_modal(form, Choices.of(domain), Meta(Mode.INCIDENT, 3)).to_dict()
    values = {
        b["block_id"]: {b["element"]["action_id"]: _state_of(b["element"])}
        for b in view["blocks"]
        if b["type"] == "input"
    }
    assert read_state(values) == form
    mapped = error_blocks(view["blocks"], {"signature": "no", "region": "which?"})
    signature_block = next(k for k in mapped if k.startswith("signature."))
    assert mapped[signature_block] == "no"
    assert mapped["scope"] == "which?", "no region input shown: the scope input says it"


def _state_of(element: dict[str, object]) -> dict[str, object]:
    kind = element["type"]
    if kind == "datepicker":
        return {"type": kind, "selected_date": element.get("initial_date")}
    if kind == "timepicker":
        return {"type": kind, "selected_time": element.get("initial_time")}
    if kind == "static_select":
        return {"type": kind, "selected_option": element.get("initial_option")}
    return {"type": kind, "value": element.get("initial_value")}
