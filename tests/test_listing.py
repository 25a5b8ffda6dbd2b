"""`/cre list`, `/cre status` and the App Home tab."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import Harness
from tests.room_kit import header, opened_room, settle


async def test_list_shows_open_incidents_by_tenant(harness: Harness) -> None:
    h = harness
    first = await opened_room(h)
    second = await opened_room(h, tenant="fabrikam", playbook="api-errors")
    await h.user("U0CSAMCONTOSO").command("/cre", "list")
    await settle()
    [answer] = h.slack.responses()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == "2 open incident(s) across 2 tenant(s)"
    shown = str(answer["blocks"])
    assert shown.index("Contoso Ltd") < shown.index("Fabrikam Inc"), "crebot.yaml's order"
    assert f"<#{first.channel_id}>" in shown and f"<#{second.channel_id}>" in shown
    assert "acknowledge by <!date^" in shown
    assert "Northwind" not in shown, "quiet tenants are left out of the list"


async def test_list_with_nothing_open(harness: Harness) -> None:
    await harness.user().command("/cre", "list")
    await settle()
    [answer] = harness.slack.responses()
    assert "No open incidents" in answer["text"]


async def test_status_in_an_incident_channel_is_for_the_asker_only(harness: Harness) -> None:
    h = harness
    room = await opened_room(h)
    h.clock.advance(timedelta(minutes=11))  # contoso's SLO is 10 minutes
    await h.user("U0IDENT1").command("/cre", "status", channel_id=str(room.channel_id))
    await settle()
    [answer] = h.slack.ephemerals(str(room.channel_id), "U0IDENT1")
    assert answer["text"].startswith(f"Incident #{room.number}: open, sev2, Contoso Ltd")
    shown = str(answer["blocks"])
    assert "Response SLO missed" in shown and "1 (1 firing)" in shown
    assert header(h, room).get("edited") is None, "nothing changed in the channel"


async def test_status_outside_an_incident_channel_points_to_list(harness: Harness) -> None:
    await harness.user().command("/cre", "status")
    await settle()
    [answer] = harness.slack.responses()
    assert "/cre list" in answer["text"]


async def test_app_home_shows_key_tenants_open_incidents_and_clocks(harness: Harness) -> None:
    h = harness
    room = await opened_room(h)
    await opened_room(h, tenant="northwind", playbook="search-latency")
    h.clock.advance(timedelta(minutes=12))
    user = h.user("U0LEAD1")
    await user.open_home()
    await settle()
    home = h.slack.published_home("U0LEAD1")
    assert home is not None and home["type"] == "home"
    shown = str(home["blocks"])
    for name in ("Contoso Ltd", "Fabrikam Inc", "Northwind Traders"):
        assert name in shown
    assert "no open incidents" in shown, "Fabrikam is quiet"
    assert f"<#{room.channel_id}>" in shown
    assert "*overdue*" in shown and "past the response deadline" in shown

    # Opening the tab again redraws the same view with the news.
    await h.user("U0ONCALL1").command("/cre", "ack", channel_id=str(room.channel_id))
    await settle()
    await user.open_home()
    await settle()
    again = h.slack.published_home("U0LEAD1")
    assert again is not None and again["id"] == home["id"]
    assert "acknowledged by <@U0ONCALL1>" in str(again["blocks"])
