"""Acknowledging an incident from Slack: the header button and `/cre ack`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.clock import FakeClock
from bot.incidents.models import ClockStep, StepKind, StepState
from bot.incidents.states import IncidentStatus
from bot.incidents.timeline import EntryKind
from bot.slack import ids
from tests.conftest import TEST_CONFIG
from tests.fakes.slack import SlackFake
from tests.harness import Harness, running_app
from tests.room_kit import header, incident, opened_room, settle, timeline


async def pending_escalations(h: Harness, incident_id: int) -> int:
    async with h.runtime.sessions() as session:
        steps = await session.scalars(
            select(ClockStep).where(
                ClockStep.incident_id == incident_id,
                ClockStep.kind == StepKind.ESCALATION,
                ClockStep.state == StepState.PENDING,
            )
        )
        return len(steps.all())


async def test_the_on_call_acknowledges_with_the_button(harness: Harness) -> None:
    h = harness
    room = await opened_room(h)
    assert await pending_escalations(h, room.id) > 0
    h.clock.advance(120)
    await h.user("U0ONCALL2").click(str(room.channel_id), str(room.header_ts), ids.ACK)
    await settle()

    acked = await incident(h, room.id)
    assert acked.acknowledged_by == "U0ONCALL2" and acked.acknowledged_at == h.clock.now()
    assert acked.status == IncidentStatus.ACKNOWLEDGED and not acked.false_positive
    assert await pending_escalations(h, room.id) == 0, "the response clock stopped"
    [entry] = await timeline(h, room.id, EntryKind.ACKNOWLEDGED)
    assert entry.actor == "U0ONCALL2"
    [answer] = h.slack.ephemerals(str(room.channel_id), "U0ONCALL2")
    assert "You acknowledged incident" in answer["text"]

    await h.drain()
    top = header(h, acked)
    assert "Acknowledged by <@U0ONCALL2>" in str(top["blocks"])
    assert ids.ACK not in str(top["blocks"])


async def test_someone_else_is_refused_with_an_explanation(harness: Harness) -> None:
    h = harness
    room = await opened_room(h)
    stranger = h.user("U0STRANGER")
    await stranger.click(str(room.channel_id), str(room.header_ts), ids.ACK)
    await stranger.command("/cre", "ack", channel_id=str(room.channel_id))
    await settle()

    still = await incident(h, room.id)
    assert still.acknowledged_at is None and still.status == IncidentStatus.OPEN
    assert await timeline(h, room.id, EntryKind.ACKNOWLEDGED) == []
    answers = h.slack.ephemerals(str(room.channel_id), "U0STRANGER")
    assert len(answers) == 2
    for answer in answers:
        assert "You can't acknowledge incident" in answer["text"]
        assert "the on-call" in answer["text"] and "owning team (identity)" in answer["text"]
    assert header(h, room).get("edited") is None


async def test_the_owning_team_acknowledges_with_the_command(harness: Harness) -> None:
    h = harness
    room = await opened_room(h)
    await h.user("U0IDENT2").command("/cre", "ack", channel_id=str(room.channel_id))
    await settle()
    assert (await incident(h, room.id)).acknowledged_by == "U0IDENT2"
    [answer] = h.slack.ephemerals(str(room.channel_id), "U0IDENT2")
    assert "You acknowledged incident" in answer["text"]

    # A second acknowledgement changes nothing and says who was first.
    await h.user("U0LEAD1").command("/cre", "ack", channel_id=str(room.channel_id))
    await settle()
    assert (await incident(h, room.id)).acknowledged_by == "U0IDENT2"
    [again] = h.slack.ephemerals(str(room.channel_id), "U0LEAD1")
    assert "already acknowledged by <@U0IDENT2>" in again["text"]
    assert len(await timeline(h, room.id, EntryKind.ACKNOWLEDGED)) == 1


async def test_escalation_targets_and_approvers_may_acknowledge(harness: Harness) -> None:
    h = harness
    first = await opened_room(h)
    second = await opened_room(h, tenant="fabrikam")
    await h.user("U0SECONDARY").click(str(first.channel_id), str(first.header_ts), ids.ACK)
    await h.user("U0LEAD1").click(str(second.channel_id), str(second.header_ts), ids.ACK)
    await settle()
    assert (await incident(h, first.id)).acknowledged_by == "U0SECONDARY"
    assert (await incident(h, second.id)).acknowledged_by == "U0LEAD1"


async def test_ack_outside_an_incident_channel_says_where(harness: Harness) -> None:
    h = harness
    await opened_room(h)
    await h.user("U0ONCALL1").command("/cre", "ack")
    await settle()
    [answer] = h.slack.responses()
    assert "incident's channel" in answer["text"]


async def test_an_incident_whose_alerts_all_resolved_can_be_a_false_positive(
    harness: Harness,
) -> None:
    h = harness
    room = await opened_room(h)
    channel, ts = str(room.channel_id), str(room.header_ts)
    await h.user("U0ONCALL1").command("/cre", "ack false-positive", channel_id=channel)
    await settle()
    assert (await incident(h, room.id)).acknowledged_at is None
    assert "still has firing alerts" in h.slack.ephemerals(channel, "U0ONCALL1")[0]["text"]

    async with h.runtime.sessions() as session:
        from bot.incidents import service

        row = await service.get(session, room.id)
        row.all_alerts_resolved = True
        await service.refresh_header(session, row, h.clock.now())
        await session.commit()
    await h.drain()
    assert ids.ACK_FALSE_POSITIVE in str(header(h, room)["blocks"])

    await h.user("U0ONCALL1").click(channel, ts, ids.ACK_FALSE_POSITIVE)
    await settle()
    acked = await incident(h, room.id)
    assert acked.false_positive and acked.acknowledged_by == "U0ONCALL1"
    await h.drain()
    assert "as a false positive" in str(header(h, acked)["blocks"])


async def test_who_may_acknowledge_is_configurable(
    database_url: str, clock: FakeClock, slack_fake: SlackFake, tmp_path: Path
) -> None:
    config = tmp_path / "crebot.yaml"
    config.write_text(TEST_CONFIG.read_text() + "permissions:\n  acknowledge: [csams]\n")
    async with running_app(database_url, clock, slack=slack_fake, config_path=config) as (
        app,
        runtime,
        http,
    ):
        h = Harness(app, runtime, http, slack_fake, clock)
        room = await opened_room(h)
        channel = str(room.channel_id)
        await h.user("U0ONCALL1").command("/cre", "ack", channel_id=channel)
        await settle()
        assert (await incident(h, room.id)).acknowledged_at is None
        assert "only the tenant's CSAMs may" in h.slack.ephemerals(channel, "U0ONCALL1")[0]["text"]
        await h.user("U0CSAMCONTOSO").command("/cre", "ack", channel_id=channel)
        await settle()
        assert (await incident(h, room.id)).acknowledged_by == "U0CSAMCONTOSO"
