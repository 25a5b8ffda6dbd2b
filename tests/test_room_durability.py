"""The room's outbox work survives rate limits, outages, crashes and a second worker."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.incidents.models import Incident
from bot.outbox.models import OpStatus
from bot.outbox.worker import OutboxWorker
from bot.slack.errors import classify
from bot.tenants.models import Tenant
from tests.fakes.slack import SlackFake
from tests.harness import Harness, running_app
from tests.room_kit import headers, incident, notices, open_incident, outbox_ops

PLAYBOOKS = ("identity-login-failures", "api-errors", "search-latency")


class ProcessDied(BaseException):
    """The process is killed: not an Exception, so no handler or classifier catches it."""


async def incidents(h: Harness) -> list[Incident]:
    async with h.runtime.sessions() as session:
        return list((await session.scalars(select(Incident).order_by(Incident.id))).all())


async def add_tenants(h: Harness, n: int) -> list[str]:
    """Tenants the alert route has seen but crebot.yaml does not list (non-key)."""
    names = [f"tenant{i:02d}" for i in range(n)]
    async with h.runtime.sessions() as session:
        for name in names:
            session.add(Tenant(id=name, name=name.title(), is_key=False, synced_at=h.clock.now()))
        await session.commit()
    return names


def assert_one_room_each(h: Harness, rooms: list[Incident]) -> None:
    """Every incident has its own channel with one pinned header; nothing was made twice."""
    created = [
        c.response["channel"]["id"] for c in h.slack.successful_calls("conversations.create")
    ]  # type: ignore[index]
    assert sorted(created) == sorted(str(r.channel_id) for r in rooms)
    for room in rooms:
        posted = headers(h, str(room.channel_id))
        assert [m["ts"] for m in posted] == [room.header_ts], f"one header in #{room.number}"
        assert h.slack.pins(str(room.channel_id)) == [room.header_ts]
        titles = [b["title"] for b in h.slack.bookmarks(str(room.channel_id))]
        assert len(titles) == len(set(titles)), f"bookmarks doubled in #{room.number}"
    opened = Counter(m["text"] for m in notices(h, "C0SUPPORT", "opened for"))
    assert set(opened.values()) == {1} and len(opened) == len(rooms)


async def test_thirty_incidents_at_once_under_a_20_per_minute_create_limit(
    harness: Harness,
) -> None:
    h = harness
    h.slack.set_rate_limit("conversations.create", per_minute=20, retry_after=30)
    for tenant in await add_tenants(h, 10):
        for playbook in PLAYBOOKS:
            await open_incident(h, tenant=tenant, playbook=playbook)

    await h.drain()
    rooms = await incidents(h)
    assert len(rooms) == 30
    assert sum(1 for r in rooms if r.channel_id) == 20
    waiting = [op for op in await outbox_ops(h) if op.status == OpStatus.PENDING]
    assert len(waiting) == 10
    assert all(op.attempts == 0 for op in waiting), "a 429 does not use up attempts"
    assert all(op.next_attempt_at == h.clock.now() + timedelta(seconds=30) for op in waiting)

    h.clock.advance(29)
    await h.drain()
    assert sum(1 for r in await incidents(h) if r.channel_id) == 20, "Retry-After is respected"
    h.clock.advance(1)
    await h.drain()
    rooms = await incidents(h)
    assert all(r.channel_id and r.header_ts for r in rooms)
    assert len({r.channel_id for r in rooms}) == 30
    assert_one_room_each(h, rooms)
    assert {op.status for op in await outbox_ops(h)} == {OpStatus.DONE}


async def test_a_minute_long_slack_outage_while_opening_loses_and_doubles_nothing(
    harness: Harness,
) -> None:
    h = harness
    incident_id = await open_incident(h)
    # The channel is made, then Slack starts failing at the next step...
    h.slack.fail("conversations.setTopic", error="service_unavailable", times=None)
    await h.drain()
    halfway = await incident(h, incident_id)
    assert halfway.channel_id and not halfway.header_ts

    # ...and then is down altogether (HTTP 503 to everything) for a minute.
    h.slack.clear_faults()
    h.slack.set_outage(True)
    for _ in range(2):
        h.clock.advance(30)
        await h.drain()
    h.slack.set_outage(False)
    [op] = await outbox_ops(h)
    assert op.status == OpStatus.PENDING and op.attempts >= 2
    h.clock.advance(op.next_attempt_at - h.clock.now())
    await h.drain()

    room = await incident(h, incident_id)
    assert room.channel_id == halfway.channel_id
    assert_one_room_each(h, [room])
    assert len(notices(h, "C0IDENTITY", "is routed to")) == 1
    assert "Contoso" in h.slack.channel(str(room.channel_id))["topic"]["value"]
    assert {o.status for o in await outbox_ops(h)} == {OpStatus.DONE}


async def test_a_restart_in_the_middle_of_opening_resumes_where_it_stopped(
    harness: Harness, database_url: str, clock: FakeClock, slack_fake: SlackFake
) -> None:
    h = harness
    incident_id = await open_incident(h)
    client = h.runtime.slack_client
    assert client is not None

    async def killed(**_: object) -> None:
        raise ProcessDied

    client.conversations_setTopic = killed  # type: ignore[method-assign]
    with pytest.raises(ProcessDied):
        await h.drain()
    [op] = await outbox_ops(h)
    assert op.status == OpStatus.RUNNING and "channel_id" in op.progress
    first_channel = (await incident(h, incident_id)).channel_id

    # A new process on the same database and workspace takes over once the lease ends.
    async with running_app(database_url, clock, slack=slack_fake) as (app, runtime, http):
        restarted = Harness(app, runtime, http, slack_fake, clock)
        await restarted.drain()
        [op] = await outbox_ops(restarted)
        assert op.status == OpStatus.RUNNING, "the dead worker's lease still holds"
        clock.advance(h.runtime.outbox.lease + timedelta(seconds=1))
        await restarted.drain()
        room = await incident(restarted, incident_id)
    assert room.channel_id == first_channel
    assert_one_room_each(h, [room])
    assert len(h.slack.successful_calls("conversations.create")) == 1
    assert {o.status for o in await outbox_ops(h)} == {OpStatus.DONE}


async def test_two_workers_on_one_database_open_each_room_once(
    harness: Harness, database_url: str, clock: FakeClock, slack_fake: SlackFake
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("two worker processes share a PostgreSQL database in production")
    h = harness
    for tenant in ("contoso", "fabrikam", "northwind"):
        for playbook in PLAYBOOKS:
            await open_incident(h, tenant=tenant, playbook=playbook)
    async with running_app(database_url, clock, slack=slack_fake) as (_app, second, _http):
        workers = [
            OutboxWorker(rt.sessions, rt.outbox.handlers, clock, classify=classify, batch=2)
            for rt in (h.runtime, second)
        ]
        ran = await asyncio.gather(*(w.drain() for w in workers))
    assert sum(ran) >= 9 and all(n > 0 for n in ran), f"both workers took part: {ran}"
    rooms = await incidents(h)
    assert all(r.channel_id and r.header_ts for r in rooms)
    assert_one_room_each(h, rooms)
    assert {op.status for op in await outbox_ops(h)} == {OpStatus.DONE}


async def test_a_lost_answer_to_create_does_not_become_a_second_channel(harness: Harness) -> None:
    h = harness
    incident_id = await open_incident(h)
    client = h.runtime.slack_client
    assert client is not None
    real_create = client.conversations_create

    async def created_but_answer_lost(**kwargs: Any) -> Any:
        await real_create(**kwargs)
        raise TimeoutError("the answer never arrived")

    client.conversations_create = created_but_answer_lost  # type: ignore[method-assign]
    await h.drain()
    del client.conversations_create  # the network is fine again
    assert (await incident(h, incident_id)).channel_id is None
    [made] = h.slack.successful_calls("conversations.create")
    name = made.args["name"]

    async def conversations_list(**_: Any) -> dict[str, Any]:
        # The Slack fake does not serve conversations.list; answer from its workspace the way
        # Slack would: the channels crebot can see, this one among them.
        return {"channels": [h.slack.channel_by_name(name)], "response_metadata": {}}

    client.conversations_list = conversations_list  # type: ignore[method-assign]
    [op] = await outbox_ops(h)
    h.clock.advance(op.next_attempt_at - h.clock.now())
    await h.drain()
    room = await incident(h, incident_id)
    assert room.channel_name == name and room.channel_id == h.slack.channel_by_name(name)["id"]
    assert len(h.slack.successful_calls("conversations.create")) == 1
    assert_one_room_each(h, [room])
