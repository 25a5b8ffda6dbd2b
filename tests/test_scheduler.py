"""The scheduler: APScheduler jobs at due times, catch-up after a restart, and each step
firing once with two schedulers racing on one database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db import create_engine_for, make_sessionmaker
from bot.incidents import clock as response_clock
from bot.incidents import service
from bot.incidents.firing import Fired, fire_due
from bot.incidents.models import ClockStep, StepKind, StepState
from bot.outbox.models import OutboxOp
from bot.scheduler import ClockScheduler, clock_scheduler
from tests.clock_support import (
    MINUTE,
    acknowledge,
    open_incident,
    open_with_room,
    steps,
    texts,
    tick,
)
from tests.fakes.slack import SlackFake
from tests.harness import Harness, running_app


async def test_each_pending_step_gets_a_job_at_its_due_time(harness: Harness) -> None:
    h = harness
    scheduler = clock_scheduler(h.runtime)
    await scheduler.start()
    try:
        # Committed after the start: the commit hook schedules the steps at once.
        incident_id = await open_incident(h)
        plan = await steps(h, incident_id)
        assert scheduler.scheduled == {s.id: s.due_at for s in plan.values()}
        for step in plan.values():
            assert scheduler.job_time(step.id) == step.due_at
        await acknowledge(h, incident_id)
        await scheduler.rescan()  # cancelled steps lose their jobs
        assert scheduler.scheduled == {}
        assert scheduler.job_time(plan["deadline"].id) is None
    finally:
        await scheduler.stop()


async def test_a_rolled_back_step_is_not_scheduled(harness: Harness) -> None:
    h = harness
    scheduler = clock_scheduler(h.runtime)
    await scheduler.start()
    try:
        incident_id = await open_incident(h)
        await acknowledge(h, incident_id)
        await scheduler.rescan()
        assert scheduler.scheduled == {}
        async with h.runtime.sessions() as session:
            incident = await service.get(session, incident_id)
            await response_clock.schedule_update_due(
                session, incident, h.clock.now() + MINUTE, h.clock.now()
            )
            await session.rollback()
        assert scheduler.scheduled == {}
    finally:
        await scheduler.stop()


async def test_steps_from_another_process_are_found_by_the_rescan(
    harness: Harness, database_url: str
) -> None:
    h = harness
    scheduler = clock_scheduler(h.runtime)
    await scheduler.start()
    other = create_engine_for(database_url)
    try:
        incident_id = await open_incident(h)
        await acknowledge(h, incident_id)
        async with make_sessionmaker(other)() as session:  # "another process"
            incident = await service.get(session, incident_id)
            step = await response_clock.schedule_update_due(
                session, incident, h.clock.now() + MINUTE, h.clock.now()
            )
            await session.commit()
        assert step is not None and step.id not in scheduler.scheduled
        assert await scheduler.rescan() == 1
        assert scheduler.job_time(step.id) == step.due_at
    finally:
        await other.dispose()
        await scheduler.stop()


async def test_a_job_fires_its_step_when_it_comes_due(harness: Harness) -> None:
    h = harness
    seen: list[Fired] = []
    done = asyncio.Event()

    def fired(batch: list[Fired]) -> None:
        seen.extend(batch)
        done.set()

    scheduler = ClockScheduler(h.runtime.sessions, h.clock, on_fired=fired)
    await scheduler.start()
    try:
        incident_id, channel = await open_with_room(h)
        await acknowledge(h, incident_id)
        async with h.runtime.sessions() as session:
            incident = await service.get(session, incident_id)
            # Due now: APScheduler runs the job straight away, no test clock needed.
            now = h.clock.now()
            await response_clock.schedule_update_due(session, incident, now, now)
            await session.commit()
        await asyncio.wait_for(done.wait(), timeout=10)
        assert [(f.kind, f.outcome) for f in seen] == [(StepKind.UPDATE_DUE, StepState.FIRED)]
        await h.drain()
        assert any("is due now" in t for t in texts(h.slack.messages(channel)))
    finally:
        await scheduler.stop()


async def test_a_restart_across_the_deadline_fires_each_step_once(
    database_url: str, clock: FakeClock, slack_fake: SlackFake
) -> None:
    async with running_app(database_url, clock, slack=slack_fake) as (app, runtime, http):
        h = Harness(app, runtime, http, slack_fake, clock)
        incident_id, channel = await open_with_room(h)
        await tick(h, 5 * MINUTE)  # reminder 1, then the process stops

    clock.advance(22 * MINUTE)  # down from 5m to 27m: the deadline and both steps fell due

    # First start: the catch-up claims the overdue steps, then the process dies before the
    # Slack work ran.
    async with running_app(database_url, clock, slack=slack_fake) as (app, runtime, http):
        scheduler = clock_scheduler(runtime)
        await scheduler.start()
        await scheduler.stop()
    assert "U0SECONDARY" not in slack_fake.members(channel)

    # Two more starts: nothing is claimed again, and the queued work is sent once.
    for _ in range(2):
        async with running_app(database_url, clock, slack=slack_fake) as (app, runtime, http):
            scheduler = clock_scheduler(runtime)
            await scheduler.start()
            await runtime.outbox.drain()
            await scheduler.stop()
            h = Harness(app, runtime, http, slack_fake, clock)
            plan = await steps(h, incident_id)

    assert plan["reminder:0"].state == StepState.FIRED
    assert plan["reminder:1"].state == StepState.CANCELLED  # caught up after the deadline
    assert plan["deadline"].state == StepState.FIRED
    assert plan["escalation:0"].state == StepState.FIRED
    assert plan["escalation:1"].state == StepState.FIRED
    messages = texts(slack_fake.messages(channel))
    assert sum("Escalation 1 of 2" in m for m in messages) == 1
    assert sum("Escalation 2 of 2" in m for m in messages) == 1
    assert len(slack_fake.dms("U0SECONDARY")) == 1
    assert len(slack_fake.dms("U0CREMANAGER")) == 1


async def test_a_crash_before_the_claim_commits_leaves_the_step_to_fire_later(
    harness: Harness,
) -> None:
    h = harness
    incident_id, _ = await open_with_room(h)
    h.clock.advance(15 * MINUTE)
    async with h.runtime.sessions() as session:
        assert await fire_due(session, h.clock.now())  # claimed...
        await session.rollback()  # ...and the process died before the commit
    plan = await steps(h, incident_id)
    assert plan["escalation:0"].state == StepState.PENDING
    assert await tick(h) > 0
    assert len(h.slack.dms("U0SECONDARY")) == 1
    assert await tick(h) == 0


async def test_two_schedulers_on_one_database_fire_each_step_once(
    harness: Harness, database_url: str
) -> None:
    """Two engines (as two processes would have) race `run_due` over the same rows; on
    PostgreSQL with SKIP LOCKED, on SQLite by waiting for the write lock."""
    h = harness
    library = h.runtime.domain.playbooks
    for tenant in ("contoso", "fabrikam", "northwind"):
        for playbook in library.all():
            await open_incident(h, tenant, playbook.id)
    async with h.runtime.sessions() as session:
        total = await session.scalar(select(func.count()).select_from(ClockStep))
    assert total and total > 100

    other = create_engine_for(database_url)
    try:
        first = ClockScheduler(h.runtime.sessions, h.clock, batch=7)
        second = ClockScheduler(make_sessionmaker(other), h.clock, batch=7)
        results: list[list[Fired]] = [[], []]
        for _ in range(8):  # through the whole chain, racing at every step
            h.clock.advance(5 * MINUTE)
            a, b = await asyncio.gather(first.run_due(), second.run_due())
            results[0] += a
            results[1] += b
    finally:
        await other.dispose()

    claimed = [f.step_id for batch in results for f in batch]
    assert len(claimed) == len(set(claimed)) == total  # every step once, none twice
    async with h.runtime.sessions() as session:
        keys = list(
            await session.scalars(select(OutboxOp.key).where(OutboxOp.kind.like("clock.%")))
        )
        fired = set(
            await session.scalars(select(ClockStep.id).where(ClockStep.state == StepState.FIRED))
        )
    sent = {f.step_id for batch in results for f in batch if f.kind != StepKind.DEADLINE}
    assert sorted(keys) == sorted(f"clock:{i}" for i in sent & fired)


async def test_run_due_after_stop_does_nothing(harness: Harness) -> None:
    h = harness
    scheduler = ClockScheduler(h.runtime.sessions, h.clock)
    await scheduler.start()
    await open_incident(h)
    await scheduler.stop()
    h.clock.advance(timedelta(hours=1))
    assert await scheduler.run_due() == []
