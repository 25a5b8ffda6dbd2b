"""The response clock end to end: reminders, the deadline, the escalation chain, and
acknowledgements, through the real app and the Slack fake, on a fake clock.

The test configuration: SLO 15m, reminders at 5m and 10m, escalation at the deadline to
S0CREONCALL2 (U0SECONDARY), then 10m later to U0CREMANAGER; contoso's own SLO is 10m.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.incidents.clock_view import breach_fields, escalations_for
from bot.incidents.models import StepState
from bot.outbox.models import OpStatus
from tests.clock_support import (
    MINUTE,
    acknowledge,
    clock_ops,
    get_incident,
    make_room,
    open_incident,
    open_with_room,
    steps,
    texts,
    tick,
    timeline,
)
from tests.conftest import TEST_CONFIG
from tests.fakes.slack import SlackFake
from tests.harness import Harness, running_app

SECOND = timedelta(seconds=1)


def clock_messages(h: Harness, channel: str) -> list[str]:
    return [t for t in texts(h.slack.messages(channel)) if "Reminder" in t or "Escalation" in t]


async def test_every_incident_gets_a_deadline_and_a_plan(harness: Harness) -> None:
    h = harness
    opened = h.clock.now()
    fabrikam = await open_incident(h, "fabrikam")
    contoso = await open_incident(h, "contoso")
    incident = await get_incident(h, fabrikam)
    assert incident.response_deadline == opened + 15 * MINUTE
    plan = await steps(h, fabrikam)
    assert {k: s.due_at - opened for k, s in plan.items()} == {
        "reminder:0": 5 * MINUTE,
        "reminder:1": 10 * MINUTE,
        "deadline": 15 * MINUTE,
        "escalation:0": 15 * MINUTE,
        "escalation:1": 25 * MINUTE,
    }
    assert plan["escalation:0"].targets == ["S0CREONCALL2"]
    assert plan["escalation:1"].targets == ["U0CREMANAGER"]
    assert all(s.state == StepState.PENDING for s in plan.values())
    # contoso's SLO is 10m: the 10m reminder would land on the deadline, so it is skipped.
    assert (await get_incident(h, contoso)).response_deadline == opened + 10 * MINUTE
    short = await steps(h, contoso)
    assert sorted(short) == ["deadline", "escalation:0", "escalation:1", "reminder:0"]
    assert short["escalation:1"].due_at - opened == 20 * MINUTE


async def test_reminders_name_the_on_call_and_the_time_left(harness: Harness) -> None:
    h = harness
    incident_id, channel = await open_with_room(h)
    assert await tick(h, 5 * MINUTE - SECOND) == 0
    assert clock_messages(h, channel) == []

    assert await tick(h, SECOND) == 1
    [first] = clock_messages(h, channel)
    assert "*Reminder 1*" in first and "*10m* left" in first
    assert "<!subteam^S0CREONCALL1>" in first  # who is on call, mentioned
    deadline = (await get_incident(h, incident_id)).response_deadline
    assert f"<!date^{int(deadline.timestamp())}^" in first  # a date token: the reader's zone

    await tick(h, 5 * MINUTE)
    second = clock_messages(h, channel)[1]
    assert "*Reminder 2*" in second and "*5m* left" in second
    # Reminders page nobody: no invites, no direct messages.
    assert "U0SECONDARY" not in h.slack.members(channel)
    kinds = [e.kind for e in await timeline(h, incident_id)]
    assert kinds.count("reminder") == 2


async def test_the_escalation_chain_in_order(harness: Harness) -> None:
    h = harness
    incident_id, channel = await open_with_room(h)
    opened = h.clock.now()
    await tick(h, 10 * MINUTE)  # both reminders
    assert "U0SECONDARY" not in h.slack.members(channel)

    await tick(h, 5 * MINUTE)  # the deadline: step 1 pages the S0CREONCALL2 group
    assert "U0SECONDARY" in h.slack.members(channel)  # the group resolved to its member
    assert "U0CREMANAGER" not in h.slack.members(channel)
    escalation = clock_messages(h, channel)[-1]
    assert "*Escalation 1 of 2*" in escalation and "<@U0SECONDARY>" in escalation
    [dm] = h.slack.dms("U0SECONDARY")
    assert f"<#{channel}>" in dm["text"]
    assert f"/archives/{channel}/p" in dm["text"]  # the permalink to the escalation
    assert h.slack.dms("U0CREMANAGER") == []

    await tick(h, 10 * MINUTE - SECOND)
    assert "U0CREMANAGER" not in h.slack.members(channel)
    await tick(h, SECOND)  # deadline + 10m: step 2
    assert "U0CREMANAGER" in h.slack.members(channel)
    assert len(h.slack.dms("U0CREMANAGER")) == 1
    assert len(h.slack.dms("U0SECONDARY")) == 1  # step 1 is not repeated

    messages = clock_messages(h, channel)
    assert [m.split("*")[1] for m in messages] == [
        "Reminder 1",
        "Reminder 2",
        "Escalation 1 of 2",
        "Escalation 2 of 2",
    ]
    async with h.runtime.sessions() as session:
        chain = await escalations_for(session, incident_id)
        incident = await get_incident(h, incident_id)
        breach = breach_fields(incident, h.clock.now())
    assert [(e["step"], e["at"] - opened, e["paged"]) for e in chain] == [
        (1, 15 * MINUTE, ["U0SECONDARY"]),
        (2, 25 * MINUTE, ["U0CREMANAGER"]),
    ]
    assert breach["breached"] is True and breach["breached_by_seconds"] == 600
    assert breach["time_to_acknowledge_seconds"] is None
    # The same through the read API.
    answer = await h.http.get(f"/api/incidents/{incident_id}", headers=h.api_headers())
    body = answer.json()
    assert [e["targets"] for e in body["escalations"]] == [["S0CREONCALL2"], ["U0CREMANAGER"]]
    assert body["clock"]["breached"] is True and body["clock"]["slo_seconds"] == 900
    assert body["clock"]["next_step"] is None  # the chain is over
    # The chain stops after its last step.
    assert await tick(h, 60 * MINUTE) == 0
    assert all(op.status == OpStatus.DONE for op in await clock_ops(h))


async def test_the_deadline_records_the_breach_and_redraws_the_header(harness: Harness) -> None:
    h = harness
    incident_id, channel = await open_with_room(h)
    header_before = h.slack.calls_to("chat.update")
    await tick(h, 15 * MINUTE)
    entries = [e for e in await timeline(h, incident_id) if e.data.get("breach")]
    assert len(entries) == 1 and "15m response SLO" in entries[0].text
    await tick(h, timedelta(seconds=1))  # drawn just past the deadline, so as missed
    updates = h.slack.calls_to("chat.update")
    assert len(updates) > len(header_before)
    header = h.slack.messages(channel)[0]
    assert "Response SLO missed" in str(header["blocks"])


async def test_an_acknowledgement_in_the_middle_of_the_chain(harness: Harness) -> None:
    h = harness
    incident_id, channel = await open_with_room(h)
    await tick(h, 15 * MINUTE)  # step 1 fired
    await tick(h, MINUTE)
    assert await acknowledge(h, incident_id, "U0SECONDARY")
    plan = await steps(h, incident_id)
    assert plan["escalation:0"].state == StepState.FIRED
    assert plan["escalation:1"].state == StepState.CANCELLED

    assert await tick(h, 30 * MINUTE) == 0  # well past step 2's time: it never fires
    assert "U0CREMANAGER" not in h.slack.members(channel)
    assert h.slack.dms("U0CREMANAGER") == []
    incident = await get_incident(h, incident_id)
    breach = breach_fields(incident, h.clock.now())
    assert breach == {
        "response_deadline": incident.response_deadline,
        "time_to_acknowledge_seconds": 16 * 60,
        "breached": True,
        "breached_by_seconds": 60,
    }
    async with h.runtime.sessions() as session:
        assert [e["step"] for e in await escalations_for(session, incident_id)] == [1]
    answer = await h.http.get(f"/api/incidents/{incident_id}", headers=h.api_headers())
    clock = answer.json()["clock"]
    assert clock["breached"] is True and clock["breached_by_seconds"] == 60
    assert clock["time_to_acknowledge_seconds"] == 16 * 60


async def test_an_acknowledgement_before_the_deadline_stops_everything(harness: Harness) -> None:
    h = harness
    incident_id, channel = await open_with_room(h)
    await tick(h, 7 * MINUTE)
    await acknowledge(h, incident_id)
    assert await tick(h, 60 * MINUTE) == 0
    assert len(clock_messages(h, channel)) == 1  # reminder 1 only
    assert "U0SECONDARY" not in h.slack.members(channel)
    breach = breach_fields(await get_incident(h, incident_id), h.clock.now())
    assert breach["breached"] is False and breach["time_to_acknowledge_seconds"] == 7 * 60


# An acknowledgement in the same second as the deadline. The rule (bot/incidents/firing.py):
# whichever commits first wins; an acknowledgement at the deadline itself is in time; and
# nobody is paged for an incident that is acknowledged by the time its page would go out.


async def test_same_second_ack_first_cancels_the_escalation(harness: Harness) -> None:
    h = harness
    incident_id, channel = await open_with_room(h)
    await tick(h, 10 * MINUTE)
    h.clock.advance(5 * MINUTE)  # exactly the deadline
    await acknowledge(h, incident_id)  # committed before the scheduler looks
    assert await tick(h) == 0
    plan = await steps(h, incident_id)
    assert plan["deadline"].state == StepState.CANCELLED
    assert plan["escalation:0"].state == StepState.CANCELLED
    assert "U0SECONDARY" not in h.slack.members(channel)
    breach = breach_fields(await get_incident(h, incident_id), h.clock.now())
    assert breach["breached"] is False  # at the deadline is in time


async def test_same_second_claim_first_then_ack_withdraws_the_page(harness: Harness) -> None:
    from bot.scheduler import clock_scheduler

    h = harness
    incident_id, channel = await open_with_room(h)
    await tick(h, 10 * MINUTE)
    h.clock.advance(5 * MINUTE)
    fired = await clock_scheduler(h.runtime).run_due()  # claimed and committed first
    assert {f.kind.value for f in fired} == {"deadline", "escalation"}
    await acknowledge(h, incident_id)  # same instant, before the Slack work ran
    await h.drain()
    plan = await steps(h, incident_id)
    assert plan["escalation:0"].state == StepState.FIRED  # it fired, and that is recorded
    assert plan["escalation:0"].data.get("withdrawn")
    assert plan["escalation:1"].state == StepState.CANCELLED
    assert "U0SECONDARY" not in h.slack.members(channel)  # but nobody was paged
    assert h.slack.dms("U0SECONDARY") == []
    assert not any("Escalation" in t for t in clock_messages(h, channel))
    assert any("withdrawn" in e.text for e in await timeline(h, incident_id))
    async with h.runtime.sessions() as session:
        assert await escalations_for(session, incident_id) == []
    breach = breach_fields(await get_incident(h, incident_id), h.clock.now())
    assert breach["breached"] is False
    answer = await h.http.get(f"/api/incidents/{incident_id}", headers=h.api_headers())
    assert answer.json()["escalations"] == []  # withdrawn: nobody was paged
    assert answer.json()["clock"]["breached"] is False


async def test_same_second_page_already_sent_stands(harness: Harness) -> None:
    h = harness
    incident_id, channel = await open_with_room(h)
    await tick(h, 15 * MINUTE)  # fired and sent at the deadline
    await acknowledge(h, incident_id)  # the same instant, a moment too late to stop it
    assert "U0SECONDARY" in h.slack.members(channel)
    assert len(h.slack.dms("U0SECONDARY")) == 1
    async with h.runtime.sessions() as session:
        assert [e["step"] for e in await escalations_for(session, incident_id)] == [1]
    breach = breach_fields(await get_incident(h, incident_id), h.clock.now())
    assert breach["breached"] is False and breach["time_to_acknowledge_seconds"] == 15 * 60
    assert await tick(h, 30 * MINUTE) == 0


async def test_an_escalation_waits_for_the_room_and_is_never_lost(harness: Harness) -> None:
    h = harness
    h.slack.fail("conversations.create", "internal_error", times=None)  # the room cannot open
    incident_id = await open_incident(h)
    await h.drain()
    assert (await get_incident(h, incident_id)).channel_id is None
    await tick(h, 15 * MINUTE)
    assert h.slack.dms("U0SECONDARY") == []
    ops = [op for op in await clock_ops(h) if op.kind == "clock.escalation"]
    assert ops[-1].status == OpStatus.PENDING and ops[-1].payload["waits"] >= 1

    h.slack.clear_faults()
    h.clock.advance(MINUTE)  # the room's retry and the escalation's wait both come due
    await h.drain()
    channel = await make_room(h, incident_id)
    await tick(h, MINUTE)
    assert "U0SECONDARY" in h.slack.members(channel)
    assert len(h.slack.dms("U0SECONDARY")) == 1
    escalations = [t for t in clock_messages(h, channel) if "Escalation 1" in t]
    assert len(escalations) == 1


async def test_a_lifecycle_move_without_stop_still_stops_the_clock(harness: Harness) -> None:
    """`move()` stamps acknowledged_at without cancelling steps: the claim checks it."""
    from bot.incidents import service
    from bot.incidents.states import IncidentStatus

    h = harness
    incident_id, channel = await open_with_room(h)
    async with h.runtime.sessions() as session:
        incident = await service.get(session, incident_id)
        service.move(incident, IncidentStatus.ACKNOWLEDGED, h.clock.now(), "U0ONCALL1", session)
        await session.commit()
    assert await tick(h, 30 * MINUTE) == 5  # claimed, and each one cancelled
    assert {s.state for s in (await steps(h, incident_id)).values()} == {StepState.CANCELLED}
    assert clock_messages(h, channel) == []


async def test_reminders_caught_up_after_the_deadline_are_dropped(harness: Harness) -> None:
    h = harness
    incident_id, channel = await open_with_room(h)
    await tick(h, 16 * MINUTE)  # as if the process had been down from 0 to 16m
    plan = await steps(h, incident_id)
    assert plan["reminder:0"].state == StepState.CANCELLED
    assert plan["reminder:1"].state == StepState.CANCELLED
    assert plan["escalation:0"].state == StepState.FIRED
    assert [m.split("*")[1] for m in clock_messages(h, channel)] == ["Escalation 1 of 2"]


async def test_a_tenant_chain_pages_everyone_it_can_despite_a_bad_id(
    database_url: str, clock: FakeClock, slack_fake: SlackFake, tmp_path: Path
) -> None:
    """northwind overrides the chain: its leads group and a user who has left Slack."""
    config = TEST_CONFIG.read_text() + (
        "    escalation:\n      - after: 2m\n        notify: [S0CRELEADS, U0GONE]\n"
    )
    assert config.rstrip().splitlines()[-4].strip().startswith("csams: [U0CSAMNORTHWIND]")
    path = tmp_path / "crebot.yaml"
    path.write_text(config)
    slack_fake.add_user("U0GONE", deleted=True)
    async with running_app(database_url, clock, slack=slack_fake, config_path=path) as parts:
        h = Harness(*parts, slack_fake, clock)
        incident_id, channel = await open_with_room(h, "northwind")
        plan = await steps(h, incident_id)
        assert sorted(k for k in plan if k.startswith("escalation")) == ["escalation:0"]
        assert plan["escalation:0"].targets == ["S0CRELEADS", "U0GONE"]
        await tick(h, 17 * MINUTE)
        assert "U0LEAD1" in h.slack.members(channel)  # the group's member is in
        assert "U0GONE" not in h.slack.members(channel)
        assert len(h.slack.dms("U0LEAD1")) == 1
        step = (await steps(h, incident_id))["escalation:0"]
        assert step.data["paged"][0] == "U0LEAD1"
        assert "U0SECONDARY" not in h.slack.members(channel)  # not the global chain
        [op] = [op for op in await clock_ops(h) if op.kind == "clock.escalation"]
        assert op.status == OpStatus.DONE
