"""The durable outbox on both databases: idempotent enqueue, retries, leases, two workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.db import create_engine_for, make_sessionmaker
from bot.outbox.models import OpStatus, OutboxOp
from bot.outbox.queue import enqueue, pending_count
from bot.outbox.worker import OpContext, OutboxWorker
from bot.slack.errors import classify


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine_for(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def put(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    kind: str = "t",
    key: str | None = None,
    **payload: object,
) -> bool:
    async with sessions() as session:
        queued = await enqueue(session, kind, now=clock.now(), key=key, payload=dict(payload))
        await session.commit()
    return queued


async def ops(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxOp]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxOp).order_by(OutboxOp.id))).all())


class ProcessDied(BaseException):
    """Stands for the process being killed: not an Exception, so no handler catches it."""


def slack_error(status: int, error: str, headers: dict[str, str] | None = None) -> SlackApiError:
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="x",
        req_args={},  # type: ignore[arg-type]
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("failed", response)


async def test_same_key_is_queued_once(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    assert await put(sessions, clock, key="room:1")
    assert not await put(sessions, clock, key="room:1")
    assert len(await ops(sessions)) == 1


async def test_worker_runs_each_op_once_and_records_done(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    seen: list[int] = []

    async def handler(ctx: OpContext) -> None:
        seen.append(int(ctx.payload["n"]))

    worker = OutboxWorker(sessions, {"t": handler}, clock)
    for n in range(5):
        await put(sessions, clock, n=n)
    assert await worker.drain() == 5
    assert await worker.drain() == 0
    assert seen == [0, 1, 2, 3, 4]
    assert {op.status for op in await ops(sessions)} == {OpStatus.DONE}
    async with sessions() as session:
        assert await pending_count(session) == 0


async def test_failure_backs_off_then_succeeds(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    calls = 0

    async def flaky(ctx: OpContext) -> None:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise slack_error(500, "internal_error")

    worker = OutboxWorker(sessions, {"t": flaky}, clock, classify=classify)
    await put(sessions, clock)
    await worker.drain()
    [op] = await ops(sessions)
    assert op.status == OpStatus.PENDING and op.attempts == 1 and op.next_attempt_at > clock.now()
    assert await worker.drain() == 0  # not due yet: no busy loop
    clock.advance(timedelta(minutes=1))
    await worker.drain()
    clock.advance(timedelta(minutes=1))
    await worker.drain()
    [op] = await ops(sessions)
    assert op.status == OpStatus.DONE and calls == 3


async def test_rate_limit_waits_retry_after_without_using_up_attempts(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    calls = 0

    async def limited(ctx: OpContext) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise slack_error(429, "ratelimited", {"Retry-After": "7"})

    worker = OutboxWorker(sessions, {"t": limited}, clock, classify=classify)
    await put(sessions, clock)
    await worker.drain()
    [op] = await ops(sessions)
    assert op.attempts == 0 and op.next_attempt_at == clock.now() + timedelta(seconds=7)
    clock.advance(6)
    assert await worker.drain() == 0
    clock.advance(1)
    assert await worker.drain() == 1
    assert (await ops(sessions))[0].status == OpStatus.DONE


async def test_permanent_error_gives_up_and_reports(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    dead: list[str] = []

    async def invalid(ctx: OpContext) -> None:
        raise slack_error(200, "invalid_blocks")

    worker = OutboxWorker(
        sessions,
        {"t": invalid},
        clock,
        classify=classify,
        on_dead=lambda op, reason: dead.append(reason),
    )
    await put(sessions, clock)
    await worker.drain()
    [op] = await ops(sessions)
    assert op.status == OpStatus.DEAD and "invalid_blocks" in (op.last_error or "")
    assert dead == ["Slack refused: invalid_blocks"]


async def test_unknown_kind_is_dead_not_a_crash(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await put(sessions, clock, kind="nobody-handles-this")
    await OutboxWorker(sessions, {}, clock).drain()
    assert (await ops(sessions))[0].status == OpStatus.DEAD


async def test_crash_mid_op_resumes_from_checkpoint_after_the_lease(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    made: list[str] = []
    alive = {"crashes_left": 1}

    async def two_steps(ctx: OpContext) -> None:
        if "first" not in ctx.progress:
            made.append("first")
            await ctx.checkpoint(first="done")
        if alive["crashes_left"]:
            alive["crashes_left"] -= 1
            raise ProcessDied  # nothing after this runs
        made.append("second")

    crashing = OutboxWorker(sessions, {"t": two_steps}, clock, lease=timedelta(seconds=60))
    await put(sessions, clock)
    with pytest.raises(ProcessDied):
        await crashing.drain()
    [op] = await ops(sessions)
    assert op.status == OpStatus.RUNNING and op.progress == {"first": "done"}

    restarted = OutboxWorker(sessions, {"t": two_steps}, clock, lease=timedelta(seconds=60))
    assert await restarted.drain() == 0  # the dead worker's lease still holds
    clock.advance(61)
    assert await restarted.drain() == 1
    assert made == ["first", "second"]  # the first step was not made twice
    assert (await ops(sessions))[0].status == OpStatus.DONE


async def test_two_workers_run_each_op_exactly_once(database_url: str, clock: FakeClock) -> None:
    engines = [create_engine_for(database_url) for _ in range(2)]
    makers = [make_sessionmaker(e) for e in engines]
    runs: list[tuple[str, int]] = []

    def handler_for(name: str):  # type: ignore[no-untyped-def]
        async def handler(ctx: OpContext) -> None:
            await asyncio.sleep(0)  # let the other worker in
            runs.append((name, int(ctx.payload["n"])))

        return handler

    for n in range(60):
        await put(makers[0], clock, n=n)
    workers = [
        OutboxWorker(makers[i], {"t": handler_for(f"w{i}")}, clock, batch=5) for i in range(2)
    ]
    await asyncio.gather(*(w.drain() for w in workers))
    for engine in engines:
        await engine.dispose()
    numbers = sorted(n for _, n in runs)
    assert numbers == list(range(60))


async def test_shutdown_hands_back_claimed_work(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    started = asyncio.Event()

    async def slow(ctx: OpContext) -> None:
        started.set()
        await asyncio.Event().wait()  # never finishes: the process is shutting down

    for n in range(3):
        await put(sessions, clock, n=n)
    worker = OutboxWorker(sessions, {"t": slow}, clock, batch=3)
    task = asyncio.create_task(worker.run_forever())
    await asyncio.wait_for(started.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    rows = await ops(sessions)
    assert {op.status for op in rows} == {OpStatus.PENDING}
    assert all(op.worker is None and op.lease_until is None for op in rows)
