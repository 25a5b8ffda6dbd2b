"""Customer-reported issues: `/cre declare` and the "Declare CRE incident" message shortcut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.incidents.models import DetectedBy, Incident
from bot.incidents.service import CUSTOMER_REPORT
from bot.incidents.states import IncidentStatus
from bot.incidents.timeline import EntryKind
from bot.intake import service
from bot.slack import ids
from tests.harness import Harness
from tests.room_kit import incident, opened_room, settle, timeline

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # 10:00 in London
DECLARER = "U0SUPPORT7"

# What the declarer picks; the report was made 20 minutes before they declared.
REPORT = {
    "intake_impact_start_date": "2026-06-10",
    "intake_impact_start_time": "09:30",
    "intake_reported_time": "09:40",
    "intake_symptom": "errors",
    "intake_signature": "identity-login-failures",
    "intake_scope": "tenant",
}


def element(view: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in view["blocks"]:
        found = block.get("element") or {}
        if found.get("action_id") == action_id:
            return found
    raise AssertionError(f"no {action_id} in the view")


async def incidents(h: Harness) -> list[Incident]:
    async with h.runtime.sessions() as session:
        return list((await session.scalars(select(Incident).order_by(Incident.id))).all())


async def declare(h: Harness, text: str, **where: str) -> dict[str, Any]:
    answer = await h.user(DECLARER).command("/cre", f"declare {text}", **where)
    assert answer.status_code == 200
    await settle()
    return h.slack.open_views(DECLARER)[-1]


async def test_cre_declare_opens_a_customer_detected_incident_acknowledged_by_the_declarer(
    harness: Harness,
) -> None:
    h = harness
    h.clock.set(NOW)
    view = await declare(h, "Contoso says nobody can sign in since 10:30")
    [opened] = h.slack.calls_to("views.open")
    assert opened.ok and opened.args["trigger_id"]
    assert view["title"]["text"] == "Declare CRE incident"
    assert element(view, "intake_tenant")["initial_option"]["value"] == "contoso"
    assert element(view, "intake_timezone")["initial_option"]["value"] == "Europe/London"
    assert element(view, "intake_reported_date")["initial_date"] == "2026-06-10"
    assert element(view, "intake_reported_time")["initial_time"] == "10:00"
    description = element(view, "intake_description")["initial_value"]
    assert description == "Contoso says nobody can sign in since 10:30"

    # A report in the future is refused on its own field.
    later = await h.user(DECLARER).submit(view["id"], {**REPORT, "intake_reported_time": "10:20"})
    assert "cannot be in the future" in later.json()["errors"]["reported_time"]
    answer = await h.user(DECLARER).submit(view["id"], REPORT)
    assert answer.status_code == 200 and not answer.content
    assert await incidents(h) == [], "the incident is opened after the answer, by the outbox"

    await h.drain()
    [new] = await incidents(h)
    reported = datetime(2026, 6, 10, 8, 40, tzinfo=UTC)
    assert new.detected_by == DetectedBy.CUSTOMER
    assert new.tenant_id == "contoso" and new.signature_id == "identity-login-failures"
    assert new.customer_reported_at == reported
    assert new.response_deadline == reported + timedelta(minutes=10), (
        "contoso's SLO, from the report"
    )
    assert new.opened_at == NOW
    assert (new.acknowledged_by, new.acknowledged_at) == (DECLARER, NOW)
    assert new.status == IncidentStatus.ACKNOWLEDGED
    [ack] = await timeline(h, new.id, EntryKind.ACKNOWLEDGED)
    assert "after the deadline" in ack.text, "declared 20 minutes after the report"

    async with h.runtime.sessions() as session:
        [rev] = await service.revisions(session, new.id)
    assert rev.customer_reported_at == reported and rev.created_by == DECLARER
    assert rev.description == "Contoso says nobody can sign in since 10:30"

    # The room exists, the declarer is in it and was told where it is.
    assert new.channel_id is not None
    assert DECLARER in h.slack.members(new.channel_id)
    posted = [m["text"] for m in h.slack.messages(new.channel_id)]
    assert any("Intake revision 1" in t for t in posted)
    told = h.slack.ephemerals(h.slack.dm_channel_id(DECLARER), DECLARER)
    assert len(told) == 1 and f"<#{new.channel_id}>" in told[0]["text"]
    assert "You are its acknowledger" in told[0]["text"]

    api = (await h.http.get(f"/api/incidents/{new.id}", headers=h.api_headers())).json()
    assert api["detected_by"] == "customer" and api["acknowledged_by"] == DECLARER
    assert api["intake"]["customer_reported_at"] == "2026-06-10T08:40:00Z"
    assert "customer_reported_at" not in api["intake"]["missing"]

    # Later, from the room's header: the report time is shown and kept.
    assert new.header_ts is not None
    await h.user().click(new.channel_id, new.header_ts, ids.START_INTAKE)
    await settle()
    again = h.slack.open_views("U0ONCALL1")[-1]
    assert again["title"]["text"] == "CRE intake"
    assert element(again, "intake_reported_time")["initial_time"] == "09:40"
    await h.user().submit(again["id"], {"intake_check_result": "confirmed"})
    await h.drain()
    async with h.runtime.sessions() as session:
        first, second = await service.revisions(session, new.id)
    assert second.customer_reported_at == first.customer_reported_at == reported
    assert second.check_result == "confirmed"


async def test_a_report_for_an_open_alert_incident_attaches_to_it(harness: Harness) -> None:
    """Same tenant, same signature: one active incident (see open_customer_reported)."""
    h = harness
    h.clock.set(NOW)
    room = await opened_room(h)  # alert-driven, contoso / identity-login-failures
    h.clock.advance(timedelta(minutes=5))
    view = await declare(h, "contoso: customers report login errors", channel_id="C0SUPPORT")
    await h.user(DECLARER).submit(view["id"], {**REPORT, "intake_reported_time": "10:02"})
    await h.drain()

    [only] = await incidents(h)
    assert only.id == room.id, "no second incident for the same tenant and signature"
    assert only.detected_by == DetectedBy.MONITORING, "monitoring saw it first"
    assert only.customer_reported_at == datetime(2026, 6, 10, 9, 2, tzinfo=UTC)
    assert only.acknowledged_at is None, "the paged responders still acknowledge it"
    [entry] = await timeline(h, room.id, CUSTOMER_REPORT)
    assert entry.actor == DECLARER and "attached the report" in entry.text

    async with h.runtime.sessions() as session:
        [rev] = await service.revisions(session, room.id)
    assert rev.customer_reported_at == only.customer_reported_at
    # The declarer's account comes first; the alert start fills nothing here.
    assert rev.impact_start == datetime(2026, 6, 10, 8, 30, tzinfo=UTC)
    assert rev.description == "contoso: customers report login errors"

    assert room.channel_id is not None and DECLARER in h.slack.members(room.channel_id)
    posted = [m for m in h.slack.messages(room.channel_id) if "customer report" in str(m)]
    assert posted, "the channel hears of the report"
    # The declarer is not in #support, so they hear it in their DM with crebot.
    [told] = h.slack.dms(DECLARER)
    assert "joined it" in told["text"] and f"<#{room.channel_id}>" in told["text"]


async def test_the_message_shortcut_prefills_text_and_permalink(harness: Harness) -> None:
    h = harness
    h.clock.set(NOW)
    ts = h.slack.post_as_user("C0SUPPORT", "U0CUSTSUCCESS", "Fabrikam: exports return wrong totals")
    answer = await h.user(DECLARER).message_shortcut(ids.DECLARE_SHORTCUT, "C0SUPPORT", ts)
    assert answer.status_code == 200
    await settle()
    view = h.slack.open_views(DECLARER)[-1]
    assert [c.ok for c in h.slack.calls_to("views.open")] == [True]
    assert [c.ok for c in h.slack.calls_to("chat.getPermalink")] == [True]
    description = element(view, "intake_description")["initial_value"]
    link = f"https://{h.slack.team_domain}.slack.com/archives/C0SUPPORT/p{ts.replace('.', '')}"
    assert description == f"Fabrikam: exports return wrong totals\n\n{link}"
    assert element(view, "intake_tenant")["initial_option"]["value"] == "fabrikam"
    assert element(view, "intake_timezone")["initial_option"]["value"] == "America/New_York"

    await h.user(DECLARER).submit(
        view["id"],
        {
            "intake_impact_start_date": "2026-06-10",
            "intake_impact_start_time": "04:30",
            "intake_reported_time": "05:00",
            "intake_symptom": "incorrect_results",
            "intake_signature": "unclassified",
        },
    )
    await h.drain()
    [new] = await incidents(h)
    assert (new.tenant_id, new.signature_id) == ("fabrikam", "unclassified")
    assert new.customer_reported_at == datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # 05:00 EDT
    async with h.runtime.sessions() as session:
        rev = await service.current(session, new.id)
        assert rev is not None and link in (rev.description or "")
        assert rev.timezone == "America/New_York"
        count = await session.scalar(select(func.count()).select_from(Incident))
    assert count == 1
    assert (await incident(h, new.id)).acknowledged_by == DECLARER


async def test_declaring_with_no_tenant_named_leaves_the_customer_to_pick(
    harness: Harness,
) -> None:
    h = harness
    h.clock.set(NOW)
    view = await declare(h, "a customer says payload export is slow")
    assert "initial_option" not in element(view, "intake_tenant")
    missing = await h.user(DECLARER).submit(view["id"], strict=False)
    errors = missing.json()["errors"]
    assert errors["tenant"] == "Required."
    assert errors["impact_start_date"] == "Required."


async def test_a_message_crebot_cannot_see_still_gets_its_link(harness: Harness) -> None:
    h = harness
    h.clock.set(NOW)
    secret = h.slack.add_channel("csam-notes", is_private=True, bot_member=False)
    ts = h.slack.post_as_user(secret, "U0CSAMCONTOSO", "Contoso escalated: SSO loops")
    await h.user(DECLARER).message_shortcut(ids.DECLARE_SHORTCUT, secret, ts)
    await settle()
    [permalink] = h.slack.calls_to("chat.getPermalink")
    assert permalink.error == "channel_not_found"
    view = h.slack.open_views(DECLARER)[-1]
    description = element(view, "intake_description")["initial_value"]
    link = f"https://{h.slack.team_domain}.slack.com/archives/{secret}/p{ts.replace('.', '')}"
    assert description.endswith(link) and description.startswith("Contoso escalated")
    assert element(view, "intake_tenant")["initial_option"]["value"] == "contoso"
