"""Deliveries racing each other: the database decides, so a race never doubles anything.

The deterministic tests hold one delivery's transaction open, start the other, and on
PostgreSQL wait until it is really blocked on the first one's lock before committing.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TypeVar

import pytest
from sqlalchemy import text

from bot.clock import FakeClock
from bot.incidents.timeline import EntryKind
from bot.ingest.alert import Alert
from bot.ingest.outcome import IngestResult, Result
from bot.ingest.parse import parse_delivery
from bot.ingest.service import ingest
from bot.runtime import Runtime
from tests.test_webhooks_kit import Crebot, am_alert, am_body, crebot, resolved

T = TypeVar("T")


def alerts_of(body: dict) -> list[tuple[int, Alert]]:  # type: ignore[type-arg]
    batch = parse_delivery("alertmanager", json.dumps(body).encode(), "application/json")
    return list(enumerate(batch.alerts))


async def until_blocked(runtime: Runtime, task: asyncio.Task[T]) -> None:
    """Return once `task` waits on a row lock (PostgreSQL) or has had its chance to run."""
    if runtime.engine.dialect.name != "postgresql":
        for _ in range(50):
            # Only yields to the loop (no time passes): SQLite's busy handler makes the second
            # writer wait in aiosqlite's thread, which no query can observe.
            await asyncio.sleep(0)
        return
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(5000):
        async with runtime.engine.connect() as conn:
            if (await conn.scalar(query)) and not task.done():
                return
        if task.done():
            raise AssertionError(f"the second delivery never waited: {task.result()!r}")
    raise AssertionError("the second delivery never blocked")


async def racing(
    c: Crebot,
    first_body: dict,
    second_body: dict,  # type: ignore[type-arg]
) -> tuple[IngestResult, IngestResult]:
    """Ingest `first_body` in an open transaction, start `second_body` against it, commit."""
    runtime = c.runtime
    async with runtime.sessions() as first, runtime.sessions() as second:
        one = await ingest(first, runtime.domain, alerts_of(first_body), c.clock.now())

        async def other() -> IngestResult:
            result = await ingest(second, runtime.domain, alerts_of(second_body), c.clock.now())
            await second.commit()
            return result

        task = asyncio.create_task(other())
        await until_blocked(runtime, task)
        await first.commit()
        two = await task
    return one, two


async def test_the_same_new_alert_delivered_twice_at_once_opens_one_incident(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        body = am_body(am_alert("contoso"), am_alert(None, "Untenanted"))
        one, two = await racing(c, body, body)
        assert [a.result for a in one.alerts] == [Result.NEW, Result.NEW]
        assert [a.result for a in two.alerts] == [Result.DUPLICATE, Result.DUPLICATE]
        assert len(one.opened) == 1 and two.opened == [] and two.updated == set()
        assert len(await c.alerts()) == 2 and len(await c.incidents()) == 1
        assert len(await c.ops("room.open")) == 1


async def test_two_new_alerts_of_one_new_pair_at_once_share_one_incident(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        eu = am_body(am_alert("contoso", fingerprint="fp-eu"))
        us = am_body(am_alert("contoso", fingerprint="fp-us"))
        one, two = await racing(c, eu, us)
        [incident] = await c.incidents()
        assert [o.id for o in one.opened] == [incident.id] and two.opened == []
        assert two.updated == {incident.id}
        assert {a.incident_id for a in await c.alerts()} == {incident.id}
        alerts = [e for e in await c.timeline(incident.id) if e.kind == EntryKind.ALERT]
        assert len(alerts) == 2


async def test_the_last_two_resolves_at_once_settle_the_incident_once(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        eu, us = am_alert("contoso", fingerprint="fp-eu"), am_alert("contoso", fingerprint="fp-us")
        await c.accepted("alertmanager", am_body(eu, us))
        await racing(c, am_body(resolved(eu)), am_body(resolved(us)))
        [incident] = await c.incidents()
        assert incident.all_alerts_resolved
        kinds = [e.kind for e in await c.timeline(incident.id)]
        assert kinds.count(EntryKind.ALL_ALERTS_RESOLVED) == 1


async def test_a_new_alert_racing_the_last_resolve_leaves_the_flag_right(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        eu = am_alert("contoso", fingerprint="fp-eu")
        await c.accepted("alertmanager", am_body(eu))
        us = am_body(am_alert("contoso", fingerprint="fp-us"))
        # Either order: the resolve first, or the new alert first.
        await racing(c, am_body(resolved(eu)), us)
        [incident] = await c.incidents()
        assert not incident.all_alerts_resolved  # fp-us still fires


async def test_many_concurrent_posts_store_each_alert_once(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        bodies = [
            am_body(am_alert(tenant, name))
            for tenant in ("contoso", "fabrikam", "northwind")
            for name in ("TenantLoginSuccessRateLow", "TenantApi5xxRateHigh")
        ]
        answers = await asyncio.gather(*(c.post("alertmanager", b) for b in bodies * 3))
        assert {a.status_code for a in answers} == {202}
        assert len(await c.alerts()) == 6 and len(await c.incidents()) == 6
        assert sum(a.json()["new"] for a in answers) == 6


async def test_concurrent_batches_on_the_same_incidents_do_not_deadlock(
    database_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    pairs = [
        (tenant, name)
        for tenant in ("contoso", "fabrikam", "northwind")
        for name in ("TenantLoginSuccessRateLow", "TenantApi5xxRateHigh")
    ]
    async with crebot(database_url, clock) as c:
        await c.accepted("alertmanager", am_body(*(am_alert(t, n) for t, n in pairs)))
        # Each batch attaches new alerts to all six incidents, in its own order: the alert
        # inserts take key-share locks on the incidents that the lock step must not wait on.
        bodies = [
            am_body(
                *(
                    am_alert(t, n, fingerprint=f"b{i}-{t}-{n}")
                    for t, n in (pairs[i % 6 :] + pairs[: i % 6])[:: 1 if i % 2 else -1]
                )
            )
            for i in range(8)
        ]
        with caplog.at_level(logging.INFO, logger="bot.ingest.route"):
            answers = await asyncio.gather(*(c.post("alertmanager", b) for b in bodies))
        assert [a.status_code for a in answers] == [202] * 8
        assert len(await c.alerts()) == 6 + 8 * 6 and len(await c.incidents()) == 6
        assert not [r for r in caplog.records if "retrying" in r.getMessage()]
