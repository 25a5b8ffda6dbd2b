"""The clock's other steps: customer-update cadence, suspension while linked to a platform
incident, customer-reported incidents, and what the App Home lists."""

from __future__ import annotations

from datetime import timedelta

from bot.incidents import clock as response_clock
from bot.incidents import service, storm
from bot.incidents.models import DetectedBy, Incident, IncidentKind, StepState
from bot.incidents.states import IncidentStatus
from tests.clock_support import (
    MINUTE,
    acknowledge,
    get_incident,
    open_incident,
    open_with_room,
    steps,
    texts,
    tick,
)
from tests.harness import Harness


async def schedule_update(h: Harness, incident_id: int, in_: timedelta | None) -> None:
    async with h.runtime.sessions() as session:
        incident = await service.get(session, incident_id)
        due = h.clock.now() + in_ if in_ is not None else None
        await response_clock.schedule_update_due(
            session, incident, due, h.clock.now(), config=h.runtime.domain.config
        )
        await session.commit()


def update_messages(h: Harness, channel: str) -> list[str]:
    return [t for t in texts(h.slack.messages(channel)) if "customer update" in t]


async def test_the_next_update_is_due_when_promised_with_a_reminder_before(
    harness: Harness,
) -> None:
    h = harness
    incident_id, channel = await open_with_room(h)
    await acknowledge(h, incident_id, "U0ONCALL2")
    await schedule_update(h, incident_id, 30 * MINUTE)  # the message promised 30 minutes
    plan = await steps(h, incident_id)
    assert plan["update:0:soon"].due_at == h.clock.now() + 20 * MINUTE  # 10m before
    assert plan["update:0:due"].due_at == h.clock.now() + 30 * MINUTE

    await tick(h, 20 * MINUTE - timedelta(seconds=1))
    assert update_messages(h, channel) == []
    await tick(h, timedelta(seconds=1))
    [soon] = update_messages(h, channel)
    assert "(in 10m)" in soon and "<@U0ONCALL2>" in soon  # whoever acknowledged leads
    await tick(h, 10 * MINUTE)
    assert "is due now" in update_messages(h, channel)[1]


async def test_a_new_message_replaces_the_pending_update_steps(harness: Harness) -> None:
    h = harness
    incident_id, channel = await open_with_room(h)
    await acknowledge(h, incident_id)
    await schedule_update(h, incident_id, 30 * MINUTE)
    await tick(h, 5 * MINUTE)
    await schedule_update(h, incident_id, None)  # nothing promised: update_every (60m)
    plan = await steps(h, incident_id)
    assert plan["update:0:soon"].state == StepState.CANCELLED
    assert plan["update:0:due"].state == StepState.CANCELLED
    assert plan["update:1:due"].due_at == h.clock.now() + 60 * MINUTE
    assert plan["update:1:soon"].due_at == h.clock.now() + 50 * MINUTE
    await tick(h, 40 * MINUTE)  # past the old times: nothing
    assert update_messages(h, channel) == []
    await tick(h, 10 * MINUTE)
    assert len(update_messages(h, channel)) == 1


async def test_update_steps_stop_at_resolution(harness: Harness) -> None:
    h = harness
    incident_id, channel = await open_with_room(h)
    await acknowledge(h, incident_id)
    await schedule_update(h, incident_id, 30 * MINUTE)
    async with h.runtime.sessions() as session:
        incident = await service.get(session, incident_id)
        service.move(incident, IncidentStatus.RESOLVED, h.clock.now(), "U0ONCALL1", session)
        await session.commit()
    await tick(h, 60 * MINUTE)  # claimed, found resolved, cancelled
    assert update_messages(h, channel) == []
    plan = await steps(h, incident_id)
    assert plan["update:0:due"].state == StepState.CANCELLED
    await schedule_update(h, incident_id, 30 * MINUTE)  # resolved: nothing is scheduled
    assert "update:1:due" not in await steps(h, incident_id)


async def link_to_platform(h: Harness, incident_id: int) -> int:
    """Storm mode links the tenant incident to a platform incident (which suspends it)."""
    runtime = h.runtime
    async with runtime.sessions() as session:
        platform = await service.open_or_get(
            session,
            runtime.domain.config,
            tenant_id=None,
            playbook=runtime.domain.playbooks.get("identity-login-failures"),
            detected_by=DetectedBy.MONITORING,
            now=h.clock.now(),
            title="Identity login failures across tenants",
            kind=IncidentKind.PLATFORM,
        )
        incident = await service.get(session, incident_id)
        assert await storm.link(session, platform.incident, incident, h.clock.now())
        await session.commit()
        return platform.incident.id


async def unlink(h: Harness, incident_id: int) -> list[str]:
    """Handed back to its own clock; the steps pending again, in order."""
    async with h.runtime.sessions() as session:
        incident = await service.get(session, incident_id)
        await storm.unlink(session, incident, h.clock.now(), actor="U0ONCALL1")
        await session.commit()
    plan = await steps(h, incident_id)
    return [k for k, s in plan.items() if s.state == StepState.PENDING]


async def test_a_linked_incident_is_driven_by_the_platform_clock(harness: Harness) -> None:
    h = harness
    incident_id, channel = await open_with_room(h)
    await link_to_platform(h, incident_id)
    plan = await steps(h, incident_id)
    assert {s.state for s in plan.values()} == {StepState.SUSPENDED}
    await tick(h, 20 * MINUTE)  # past its own deadline: its own steps stay quiet
    assert {s.state for s in (await steps(h, incident_id)).values()} == {StepState.SUSPENDED}
    assert "U0SECONDARY" not in h.slack.members(channel)
    assert not any("Reminder" in t for t in texts(h.slack.messages(channel)))

    # Unlinked at 20m: past reminders are dropped, the overdue deadline and step 1 fire now,
    # step 2 keeps its time (25m).
    assert await unlink(h, incident_id) == ["deadline", "escalation:0", "escalation:1"]
    plan = await steps(h, incident_id)
    assert plan["reminder:0"].state == StepState.CANCELLED
    await tick(h)
    assert "U0SECONDARY" in h.slack.members(channel)
    assert "U0CREMANAGER" not in h.slack.members(channel)
    await tick(h, 5 * MINUTE)
    assert "U0CREMANAGER" in h.slack.members(channel)


async def test_a_step_of_a_linked_incident_is_held_even_without_suspend(harness: Harness) -> None:
    h = harness
    incident_id, _ = await open_with_room(h)
    await link_to_platform(h, incident_id)
    # A step added later (say a customer update) while linked starts out held.
    async with h.runtime.sessions() as session:
        incident = await service.get(session, incident_id)
        step = await response_clock.schedule_update_due(
            session, incident, h.clock.now() + MINUTE, h.clock.now()
        )
        assert step is not None and step.state == StepState.SUSPENDED
        # Linked behind the clock's back: the claim holds the step instead of firing it.
        step.state = StepState.PENDING
        await session.commit()
    await tick(h, 2 * MINUTE)
    assert (await steps(h, incident_id))["update:0:due"].state == StepState.SUSPENDED


async def test_acknowledging_a_held_incident_cancels_its_held_steps(harness: Harness) -> None:
    h = harness
    incident_id, _ = await open_with_room(h)
    await link_to_platform(h, incident_id)
    await acknowledge(h, incident_id)
    plan = await steps(h, incident_id)
    assert {s.state for s in plan.values()} == {StepState.CANCELLED}
    assert await unlink(h, incident_id) == []


async def test_a_customer_report_starts_the_clock_at_the_report(harness: Harness) -> None:
    h = harness
    runtime = h.runtime
    reported = h.clock.now() - 7 * MINUTE
    async with runtime.sessions() as session:
        opened = await service.open_or_get(
            session,
            runtime.domain.config,
            tenant_id="fabrikam",
            playbook=runtime.domain.playbooks.get("identity-login-failures"),
            detected_by=DetectedBy.CUSTOMER,
            now=h.clock.now(),
            title="Customer reports login failures",
            customer_reported_at=reported,
            clock_starts_at=reported,
        )
        await session.commit()
    plan = await steps(h, opened.incident.id)
    assert "reminder:0" not in plan  # its moment (5m after the report) has passed
    assert plan["reminder:1"].due_at == reported + 10 * MINUTE
    assert plan["deadline"].due_at == reported + 15 * MINUTE


async def test_a_breach_is_derived_from_the_times(harness: Harness) -> None:
    from bot.incidents.clock_view import clock_view

    h = harness
    incident_id = await open_incident(h)
    incident: Incident = await get_incident(h, incident_id)
    deadline = incident.response_deadline
    assert not clock_view(incident, deadline).breached  # the deadline itself is in time
    view = clock_view(incident, deadline + timedelta(seconds=90))
    assert view.breached and view.late_by == timedelta(seconds=90)
