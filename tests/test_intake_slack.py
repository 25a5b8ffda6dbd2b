"""The intake modal driven the way Slack drives it: the header's button, redraws, submissions.

Every request is signed; the modal is the one the bot really opened in the Slack fake.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.incidents.models import ClockStep, Incident, StepKind, StepState
from bot.incidents.timeline import EntryKind
from bot.intake import service
from bot.intake.models import IntakeRevision
from bot.outbox.models import OutboxOp
from bot.slack import ids
from tests.harness import Harness
from tests.room_kit import incident, opened_room, settle, timeline

# A Wednesday in summer: 10:00 in London (BST), so times in the tests read plainly.
SUMMER = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
USER = "U0ONCALL1"


def element(view: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in view["blocks"]:
        found = block.get("element") or {}
        if found.get("action_id") == action_id:
            return found
    raise AssertionError(f"no {action_id} in the view")


def block_of(view: dict[str, Any], action_id: str) -> str:
    return next(
        b["block_id"]
        for b in view["blocks"]
        if (b.get("element") or {}).get("action_id") == action_id
    )


def option_values(view: dict[str, Any], action_id: str) -> list[str]:
    return [o["value"] for o in element(view, action_id)["options"]]


async def open_intake(h: Harness, room: Incident, user_id: str = USER) -> dict[str, Any]:
    """Press the pinned header's "Start intake" and return the modal Slack shows."""
    assert room.channel_id is not None and room.header_ts is not None
    answer = await h.user(user_id).click(room.channel_id, room.header_ts, ids.START_INTAKE)
    assert answer.status_code == 200
    await settle()
    return h.slack.open_views(user_id)[-1]


async def submitted_ops(h: Harness) -> list[OutboxOp]:
    async with h.runtime.sessions() as session:
        stmt = select(OutboxOp).where(OutboxOp.kind == "intake.submit")
        return list((await session.scalars(stmt)).all())


async def revisions(h: Harness, incident_id: int) -> list[IntakeRevision]:
    async with h.runtime.sessions() as session:
        return await service.revisions(session, incident_id)


FILLED = {
    "intake_scope": "tenant",
    "intake_check_result": "confirmed",
    "intake_update_now": "Some users cannot sign in; we are on it.",
    "intake_update_next": "Whether the fix worked.",
}


async def test_the_header_button_opens_a_prefilled_intake_and_saves_revision_one(
    harness: Harness,
) -> None:
    h = harness
    h.clock.set(SUMMER)
    room = await opened_room(h)
    view = await open_intake(h, room)

    [opened] = h.slack.calls_to("views.open")
    assert opened.ok and opened.args["trigger_id"], "opened with the click's trigger_id"
    assert view["title"]["text"] == "CRE intake"
    assert element(view, "intake_tenant")["initial_option"]["value"] == "contoso"
    assert element(view, "intake_timezone")["initial_option"]["value"] == "Europe/London"
    # The alert started at 09:00 UTC: 10:00 on the tenant's clock.
    assert element(view, "intake_impact_start_date")["initial_date"] == "2026-06-10"
    assert element(view, "intake_impact_start_time")["initial_time"] == "10:00"
    assert element(view, "intake_symptom")["initial_option"]["value"] == "errors"
    signature = element(view, "intake_signature")
    assert signature["initial_option"]["value"] == "identity-login-failures"
    assert element(view, "intake_owner")["initial_option"]["value"] == "identity"
    assert "var-tenant=contoso" in element(view, "intake_check")["initial_value"]
    assert json.loads(view["private_metadata"])["i"] == room.id

    calls_before = len(h.slack.calls)
    answer = await h.user().submit(view["id"], FILLED)
    assert answer.status_code == 200 and not answer.content, "valid: the modal closes"
    assert not h.slack.view(view["id"])["is_open"]
    assert len(h.slack.calls) == calls_before, "no Slack call before the answer"
    [queued] = await submitted_ops(h)
    assert queued.status == "pending", "saved in the outbox, done after the answer"

    await h.drain()
    [rev] = await revisions(h, room.id)
    assert (rev.revision, rev.created_by, rev.tenant_id) == (1, USER, "contoso")
    assert rev.impact_start == SUMMER and rev.impact_end is None
    assert (rev.scope, rev.check_result, rev.owner_team) == ("tenant", "confirmed", "identity")
    assert rev.timezone == "Europe/London"
    [entry] = await timeline(h, room.id, EntryKind.INTAKE)
    assert entry.text.startswith("Intake revision 1 by <@U0ONCALL1>")

    # The channel hears what was saved, with times as date tokens.
    saved = [m for m in h.slack.messages(room.channel_id) if "Intake revision 1" in m["text"]]
    assert len(saved) == 1
    shown = str(saved[0]["blocks"])
    assert f"<!date^{int(SUMMER.timestamp())}^" in shown
    assert "Still missing: next update at" not in shown  # the cadence prefilled it
    assert "The intake is complete." in shown
    # The pinned header was redrawn with the intake.
    header = h.slack.find_message(room.channel_id, room.header_ts or "")
    assert header is not None and "*Intake*: revision 1" in str(header["blocks"])


async def test_the_errors_answer_lands_on_the_right_fields(harness: Harness) -> None:
    h = harness
    h.clock.set(SUMMER)
    room = await opened_room(h)
    view = await open_intake(h, room)
    user = h.user()

    future = await user.submit(view["id"], {"intake_impact_start_time": "11:30"})
    answer = future.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["impact_start_time"]
    assert "cannot be in the future" in answer["errors"]["impact_start_time"]
    assert h.slack.view(view["id"])["is_open"], "errors keep the modal open"

    backwards = await user.submit(
        view["id"],
        {
            "intake_impact_start_time": "10:00",
            "intake_impact_end_date": "2026-06-10",
            "intake_impact_end_time": "09:15",
        },
    )
    assert backwards.json()["errors"] == {
        "impact_end_time": "The impact cannot end before it started."
    }

    # Slack's client blocks an empty required input; crebot checks anyway.
    h.slack.set_view_values(
        view["id"],
        {
            "impact_end_date": {"intake_impact_end_date": _empty("datepicker")},
            "impact_end_time": {"intake_impact_end_time": _empty("timepicker")},
            block_of(view, "intake_symptom"): {"intake_symptom": _empty("static_select")},
        },
    )
    missing = await user.submit(view["id"], strict=False)
    assert missing.json()["errors"] == {block_of(view, "intake_symptom"): "Required."}

    # A menu option that no longer names a key tenant (crebot.yaml was reloaded meanwhile).
    h.slack.set_view_values(view["id"], {"tenant": {"intake_tenant": _select("initech")}})
    unknown = await user.submit(view["id"], {"intake_symptom": "errors"})
    assert "not a key tenant" in unknown.json()["errors"]["tenant"]
    assert await submitted_ops(h) == [], "nothing is queued while the form has errors"


def _select(value: str) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": value}, "value": value}
    return {"type": "static_select", "selected_option": option}


def _empty(kind: str) -> dict[str, Any]:
    key = {"datepicker": "selected_date", "timepicker": "selected_time"}.get(kind)
    return {"type": kind, key or "selected_option": None}


async def test_opening_the_intake_again_edits_the_same_record(harness: Harness) -> None:
    h = harness
    h.clock.set(SUMMER)
    room = await opened_room(h)
    first = await open_intake(h, room)
    await h.user().submit(first["id"], FILLED)
    await h.drain()

    h.clock.advance(timedelta(minutes=20))
    again = await open_intake(h, room, "U0IDENT1")
    assert again["id"] != first["id"]
    # It opens with what was saved, not with a fresh prefill.
    assert element(again, "intake_scope")["initial_option"]["value"] == "tenant"
    assert element(again, "intake_update_now")["initial_value"] == FILLED["intake_update_now"]
    due = {"intake_next_update_date": "2026-06-10", "intake_next_update_time": "11:45"}
    await h.user("U0IDENT1").submit(again["id"], {"intake_owner": "api-platform", **due})
    await h.drain()

    old, new = await revisions(h, room.id)
    assert (old.revision, old.owner_team, old.created_by) == (1, "identity", USER)
    assert (new.revision, new.owner_team, new.created_by) == (2, "api-platform", "U0IDENT1")
    assert new.update_now == FILLED["intake_update_now"], "unchanged fields carry over"
    assert new.next_update_at == datetime(2026, 6, 10, 10, 45, tzinfo=UTC)
    entries = await timeline(h, room.id, EntryKind.INTAKE)
    assert [e.data["revision"] for e in entries] == [1, 2]
    assert entries[1].data["changed"] == ["owner", "next_update_at"]

    # The new owner is routed: the incident, the team invited, its channel told.
    assert (await incident(h, room.id)).owner_team == "api-platform"
    owner_entries = await timeline(h, room.id, EntryKind.OWNER)
    [owner_entry] = [e for e in owner_entries if e.actor == "U0IDENT1"]
    assert "identity to api-platform" in owner_entry.text
    assert "U0API1" in h.slack.members(room.channel_id or "")
    told = h.slack.messages("C0APIPLAT")
    assert len(told) == 1 and f"<#{room.channel_id}>" in told[0]["text"]
    # The promised update is on the clock.
    async with h.runtime.sessions() as session:
        steps = (
            await session.scalars(
                select(ClockStep).where(
                    ClockStep.incident_id == room.id,
                    ClockStep.kind == StepKind.UPDATE_DUE,
                    ClockStep.state == StepState.PENDING,
                )
            )
        ).all()
    assert max(s.due_at for s in steps) == datetime(2026, 6, 10, 10, 45, tzinfo=UTC)

    api = await h.http.get(f"/api/incidents/{room.id}", headers=h.api_headers())
    assert api.status_code == 200
    intake = api.json()["intake"]
    assert intake["revision"] == 2 and intake["revisions"] == 2
    assert intake["owner"] == "api-platform" and intake["customer"] == "contoso"
    assert intake["impact_start"] == "2026-06-10T09:00:00Z"
    assert intake["customer_update"]["next_update_at"] == "2026-06-10T10:45:00Z"
    assert intake["missing"] == []


async def test_choosing_symptom_signature_and_scope_redraws_the_modal(harness: Harness) -> None:
    h = harness
    h.clock.set(SUMMER)
    room = await opened_room(h)
    view = await open_intake(h, room)
    user = h.user()
    latency = {"api-latency", "search-latency", "unclassified"}

    await user.click_in_view(view["id"], "intake_symptom", "latency")
    await settle()
    view = h.slack.view(view["id"])
    assert set(option_values(view, "intake_signature")) == latency, "narrowed by the symptom"
    assert "initial_option" not in element(view, "intake_signature"), "the errors one went"

    await user.click_in_view(view["id"], "intake_signature", "api-latency")
    await settle()
    view = h.slack.view(view["id"])
    assert element(view, "intake_owner")["initial_option"]["value"] == "api-platform"
    check = element(view, "intake_check")["initial_value"]
    assert "api-latency" in check and "contoso" in check, "the check, rendered for the tenant"

    assert not any(b["block_id"] == "region" for b in view["blocks"])
    await user.click_in_view(view["id"], "intake_scope", "region")
    await settle()
    view = h.slack.view(view["id"])
    assert any(b["block_id"] == "region" for b in view["blocks"])
    no_region = await user.submit(view["id"], strict=False)
    assert "which region" in no_region.json()["errors"]["region"]
    await user.submit(view["id"], {"intake_region": "eu-west-1"})
    await h.drain()
    [rev] = await revisions(h, room.id)
    assert (rev.symptom, rev.signature_id, rev.scope_region) == (
        "latency",
        "api-latency",
        "eu-west-1",
    )
    assert len(h.slack.calls_to("views.update")) == 3


async def test_an_impact_window_across_the_spring_clock_change(harness: Harness) -> None:
    h = harness
    # 29 March 2026: London's clocks go from 01:00 GMT to 02:00 BST.
    h.clock.set(datetime(2026, 3, 29, 12, 0, tzinfo=UTC))
    room = await opened_room(h)
    view = await open_intake(h, room)
    user = h.user()
    window = {
        "intake_impact_start_date": "2026-03-29",
        "intake_impact_start_time": "00:30",
        "intake_impact_end_date": "2026-03-29",
        "intake_impact_end_time": "03:15",
    }
    skipped = await user.submit(view["id"], {**window, "intake_impact_start_time": "01:30"})
    assert "did not happen" in skipped.json()["errors"]["impact_start_time"]

    await user.submit(view["id"], {**window, **FILLED})
    await h.drain()
    [rev] = await revisions(h, room.id)
    assert rev.impact_start == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # GMT
    assert rev.impact_end == datetime(2026, 3, 29, 2, 15, tzinfo=UTC)  # BST
    assert rev.timezone == "Europe/London"

    # Responders: Slack date tokens of those instants.
    [saved] = [m for m in h.slack.messages(room.channel_id or "") if "Intake" in m["text"]]
    shown = str(saved["blocks"])
    assert f"<!date^{int(rev.impact_start.timestamp())}^" in shown
    assert f"<!date^{int(rev.impact_end.timestamp())}^" in shown
    # Opening the intake again shows the tenant's wall clock, as entered.
    again = await open_intake(h, room)
    assert element(again, "intake_impact_start_time")["initial_time"] == "00:30"
    assert element(again, "intake_impact_end_time")["initial_time"] == "03:15"
    # The customer: the tenant's clock, named, in the seed of the notification.
    from bot.intake.customer import template_context
    from bot.intake.fields import IntakeFields

    tenant = h.runtime.domain.config.tenant("contoso")
    context = template_context(tenant, IntakeFields.of(rev), incident_number=room.number)
    assert context["impact"] == {"start": "29 Mar 2026, 00:30 GMT", "end": "29 Mar 2026, 03:15 BST"}
    api = (await h.http.get(f"/api/incidents/{room.id}", headers=h.api_headers())).json()
    assert api["intake"]["impact_start"] == "2026-03-29T00:30:00Z"
    assert api["intake"]["impact_end"] == "2026-03-29T02:15:00Z"


async def test_the_customer_menu_searches_through_the_options_listener(harness: Harness) -> None:
    h = harness
    user = h.user()
    payload = {
        "type": "block_suggestion",
        "user": {"id": USER, "team_id": h.slack.team_id},
        "team": {"id": h.slack.team_id, "domain": h.slack.team_domain},
        "api_app_id": h.slack.app_id,
        "token": "fake-verification-token",
        "action_id": ids.INTAKE_TENANT,
        "block_id": "tenant",
        "value": "fab",
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "type": "modal", "callback_id": ids.INTAKE_VIEW},
    }
    answer = await user._payload(payload)
    assert answer.status_code == 200
    assert [o["value"] for o in answer.json()["options"]] == ["fabrikam"]


async def test_the_api_shows_what_is_missing_before_and_after_a_partial_save(
    harness: Harness,
) -> None:
    h = harness
    h.clock.set(SUMMER)
    room = await opened_room(h)
    before = (await h.http.get(f"/api/incidents/{room.id}", headers=h.api_headers())).json()
    assert before["intake"]["revision"] is None
    assert before["intake"]["missing"][:2] == ["customer", "impact_start"]

    view = await open_intake(h, room)
    await h.user().submit(view["id"], {})
    await h.drain()
    after = (await h.http.get(f"/api/incidents/{room.id}", headers=h.api_headers())).json()
    assert after["intake"]["missing"] == ["scope", "check_result", "update_now", "update_next"]
    header = h.slack.find_message(room.channel_id or "", room.header_ts or "")
    assert header is not None
    assert "Still missing_: scope, check result, update now, update next" in str(header["blocks"])
    async with h.runtime.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(IntakeRevision))
    assert count == 1
