"""Opening the incident room through the outbox, against the Slack fake."""

from __future__ import annotations

from pathlib import Path

from bot.clock import FakeClock
from bot.incidents import service
from bot.incidents.timeline import EntryKind
from bot.outbox.models import OpStatus
from bot.slack import ids
from bot.slack.channel_names import channel_name
from tests.conftest import TEST_CONFIG
from tests.fakes.slack import SlackFake
from tests.harness import Harness, running_app
from tests.room_kit import (
    header,
    headers,
    incident,
    notices,
    open_incident,
    opened_room,
    outbox_ops,
    timeline,
)


def action_ids(message: dict) -> set[str]:  # type: ignore[type-arg]
    return {
        e["action_id"]
        for b in message.get("blocks") or []
        for e in b.get("elements") or []
        if "action_id" in e
    }


async def test_a_new_incident_gets_a_complete_room(harness: Harness) -> None:
    h = harness
    room = await opened_room(h)
    name = f"inc-{room.number}-contoso-identity-login-failures"
    channel = h.slack.channel_by_name(name)
    assert room.channel_id == channel["id"] and room.channel_name == name
    assert channel["is_private"], "it names a customer: private by default"
    assert "Contoso Ltd" in channel["topic"]["value"]
    assert "Identity login failures" in channel["topic"]["value"]
    assert "sev2" in channel["topic"]["value"]
    assert f"Incident #{room.number}" in channel["purpose"]["value"]

    members = set(h.slack.members(room.channel_id))
    oncall, identity = {"U0ONCALL1", "U0ONCALL2"}, {"U0IDENT1", "U0IDENT2"}
    assert oncall | identity | {"U0CSAMCONTOSO", h.slack.bot_user_id} == members

    top = header(h, room)
    assert h.slack.pins(room.channel_id) == [room.header_ts]
    assert {ids.ACK, ids.START_INTAKE, ids.DRAFT_UPDATE, ids.RESOLVE} <= action_ids(top)
    shown = str(top["blocks"])
    assert "<!date^" in shown, "the deadline is a Slack date token"
    assert "var-tenant=contoso" in shown, "the fastest check is rendered for the tenant"
    assert "Runbook" in shown and "1 (1 firing)" in shown
    assert top["text"].startswith(f"Incident #{room.number}")

    marks = h.slack.bookmarks(room.channel_id)
    assert marks[0]["title"].startswith("Login success rate")
    assert len(marks) == 3 and all("http" in b["link"] for b in marks)
    assert any("tenant:contoso" in b["link"] for b in marks)

    [team_notice] = notices(h, "C0IDENTITY", "is routed to identity")
    assert f"<#{room.channel_id}>" in str(team_notice["blocks"])
    [support] = notices(h, "C0SUPPORT", "opened for Contoso Ltd")
    assert f"#{room.number}" in support["text"]

    [routed] = await timeline(h, room.id, EntryKind.OWNER)
    assert "identity" in routed.text and "5 invited" in routed.text
    assert {op.status for op in await outbox_ops(h)} == {OpStatus.DONE}

    calls = len(h.slack.calls_to("conversations.create")), len(h.slack.calls_to("chat.update"))
    await h.drain()
    after = len(h.slack.calls_to("conversations.create")), len(h.slack.calls_to("chat.update"))
    assert after == calls and len(headers(h, room.channel_id)) == 1, "nothing left to do"


async def test_unclassified_incidents_belong_to_the_on_call(harness: Harness) -> None:
    h = harness
    room = await opened_room(h, tenant="fabrikam", playbook="unclassified")
    members = set(h.slack.members(room.channel_id))
    assert members == {"U0ONCALL1", "U0ONCALL2", "U0CSAMFABRIKAM", h.slack.bot_user_id}
    assert all(notices(h, c, "is routed to") == [] for c in ("C0IDENTITY", "C0APIPLAT"))
    [routed] = await timeline(h, room.id, EntryKind.OWNER)
    assert "the on-call" in routed.text
    assert len(notices(h, "C0SUPPORT", "opened for Fabrikam Inc")) == 1


async def test_a_taken_name_gets_the_next_free_one(harness: Harness) -> None:
    h = harness
    incident_id = await open_incident(h)
    number = (await incident(h, incident_id)).number
    h.slack.add_channel(channel_name(number, "contoso", "identity-login-failures"))
    h.slack.add_channel(
        channel_name(number, "contoso", "identity-login-failures", 2), is_archived=True
    )
    await h.drain()
    room = await incident(h, incident_id)
    assert room.channel_name == f"inc-{number}-contoso-identity-login-failures-3"
    assert h.slack.channel_by_name(room.channel_name)["id"] == room.channel_id
    created = h.slack.successful_calls("conversations.create")
    assert len(created) == 1, "one channel for one incident"
    assert [c.error for c in h.slack.calls_to("conversations.create")] == [
        "name_taken",
        "name_taken",
        None,
    ]


async def test_one_bad_user_does_not_fail_the_invitations(harness: Harness) -> None:
    h = harness
    h.slack.add_user("U0CSAMCONTOSO", deleted=True)  # left the company
    room = await opened_room(h)
    members = set(h.slack.members(room.channel_id))
    assert {"U0ONCALL1", "U0IDENT2"} <= members and "U0CSAMCONTOSO" not in members
    assert {op.status for op in await outbox_ops(h)} == {OpStatus.DONE}
    assert h.slack.pins(room.channel_id) == [room.header_ts]


async def test_the_header_is_updated_in_place_never_reposted(harness: Harness) -> None:
    h = harness
    room = await opened_room(h)
    async with h.runtime.sessions() as session:
        row = await service.get(session, room.id)
        await service.acknowledge(session, row, user="U0ONCALL1", now=h.clock.now())
        await session.commit()
    await h.drain()
    top = header(h, room)
    assert "Acknowledged by <@U0ONCALL1>" in str(top["blocks"])
    assert ids.ACK not in action_ids(top)
    assert len(h.slack.message_history(room.channel_id, room.header_ts)) == 1
    assert len(h.slack.successful_calls("chat.update")) == 1

    # Nothing changed: a refresh sends nothing.
    async with h.runtime.sessions() as session:
        await service.refresh_header(session, await service.get(session, room.id), h.clock.now())
        await session.commit()
    await h.drain()
    assert len(h.slack.successful_calls("chat.update")) == 1


async def test_an_ack_while_the_room_opens_shows_in_the_header(harness: Harness) -> None:
    h = harness
    incident_id = await open_incident(h)
    async with h.runtime.sessions() as session:
        row = await service.get(session, incident_id)
        await service.acknowledge(session, row, user="U0IDENT1", now=h.clock.now())
        await session.commit()
    await h.drain()
    room = await incident(h, incident_id)
    assert "Acknowledged by <@U0IDENT1>" in str(header(h, room)["blocks"])


async def test_support_hears_of_a_resolve(harness: Harness) -> None:
    h = harness
    room = await opened_room(h)
    h.clock.advance(3600)
    async with h.runtime.sessions() as session:
        row = await service.get(session, room.id)
        await service.acknowledge(session, row, user="U0ONCALL1", now=h.clock.now())
        service.move(row, service.IncidentStatus.RESOLVED, h.clock.now(), "U0ONCALL1", session)
        await service.announce_resolved(session, row, h.clock.now())
        await service.announce_resolved(session, row, h.clock.now())  # a retried request
        await session.commit()
    await h.drain()
    [resolved] = notices(h, "C0SUPPORT", f"Incident #{room.number} resolved")
    assert "1h 00m" in str(resolved["blocks"])
    top = header(h, room)
    assert ":white_check_mark:" in str(top["blocks"])
    assert ids.RESOLVE not in action_ids(top)


async def test_public_channels_when_crebot_yaml_says_so(
    database_url: str, clock: FakeClock, slack_fake: SlackFake, tmp_path: Path
) -> None:
    config = tmp_path / "crebot.yaml"
    config.write_text(TEST_CONFIG.read_text().replace("private: true", "private: false"))
    async with running_app(database_url, clock, slack=slack_fake, config_path=config) as (
        app,
        runtime,
        http,
    ):
        h = Harness(app, runtime, http, slack_fake, clock)
        room = await opened_room(h)
        assert h.slack.channel(str(room.channel_id))["is_private"] is False


async def test_an_archived_room_is_not_redrawn_and_not_retried(harness: Harness) -> None:
    h = harness
    room = await opened_room(h)
    assert h.runtime.slack_client is not None
    await h.runtime.slack_client.conversations_archive(channel=str(room.channel_id))
    async with h.runtime.sessions() as session:
        row = await service.get(session, room.id)
        await service.acknowledge(session, row, user="U0ONCALL1", now=h.clock.now())
        await session.commit()
    await h.drain()
    assert {op.status for op in await outbox_ops(h)} == {OpStatus.DONE}
    assert header(h, room).get("edited") is None


async def test_a_team_channel_crebot_cannot_reach_does_not_stop_the_room(
    database_url: str, clock: FakeClock, slack_fake: SlackFake, tmp_path: Path
) -> None:
    config = tmp_path / "crebot.yaml"
    config.write_text(TEST_CONFIG.read_text().replace("channel: C0IDENTITY", "channel: C0GONE"))
    async with running_app(database_url, clock, slack=slack_fake, config_path=config) as (
        app,
        runtime,
        http,
    ):
        h = Harness(app, runtime, http, slack_fake, clock)
        room = await opened_room(h)
        [op] = await outbox_ops(h)
        assert op.status == OpStatus.DONE and op.progress["team_notice"] is False
        assert len(notices(h, "C0SUPPORT", "opened for Contoso Ltd")) == 1
        assert h.slack.pins(str(room.channel_id)) == [room.header_ts]
