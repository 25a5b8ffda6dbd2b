"""How precisely the response clock fires: 1,000 open incidents, real time, one restart.

    python bench/clock_precision.py                       # SQLite in a temporary folder
    python bench/clock_precision.py --database-url postgresql://postgres@127.0.0.1:5432/bench

Opens 1,000 incidents (one per tenant) whose response SLOs are spread between 10 s and
120 s, each with an escalation chain of two steps (at the deadline, and 20 s after it):
1,000 deadlines and 2,000 escalations due over about two minutes. The real scheduler
(APScheduler jobs, the commit hook, the catch-up) fires them on the system clock, and an
outbox worker runs their Slack work through a handler that only records when it ran.
Halfway through, the "process" stops (scheduler, worker, engine) and a new one starts on
the same database, as a restart would.

Prints how late each escalation was claimed (`fired_at - due_at`) and how late its Slack
work started, as p50 / p99 / max; how many were missed or ran twice (both must be 0);
and the process's memory. The PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from bot.clock import SystemClock
from bot.config.domain import DomainConfig
from bot.db import create_engine_for, make_sessionmaker, sync_url
from bot.incidents import clock as response_clock
from bot.incidents.firing import Fired, op_key, op_kind
from bot.incidents.models import ClockStep, DetectedBy, Incident, IncidentKind, StepKind, StepState
from bot.incidents.states import IncidentStatus
from bot.models import metadata
from bot.outbox.models import OpStatus, OutboxOp
from bot.outbox.worker import Handler, OpContext, OutboxWorker
from bot.playbooks import UNCLASSIFIED
from bot.scheduler import ClockScheduler
from bot.tenants.service import sync_tenants

INCIDENTS = 1000
SLO_MIN, SLO_MAX = 10.0, 120.0  # seconds
SECOND_STEP = 20.0  # seconds after the deadline
OPEN_BATCH = 20  # incidents per transaction while setting up


@dataclass
class Record:
    """What the recording Slack handlers saw: step id -> when each run started."""

    runs: dict[int, list[datetime]] = field(default_factory=dict)
    expected: set[int] = field(default_factory=set)
    all_done: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, ctx: OpContext) -> None:
        # As a real handler does after its Slack call: checkpoint, so a retry does not redo
        # it. A run counts once its checkpoint is committed.
        if ctx.progress.get("done"):
            return
        at = datetime.now(UTC)
        await ctx.checkpoint(done=at.isoformat())
        self.runs.setdefault(int(ctx.payload["step_id"]), []).append(at)
        if self.expected and self.expected <= self.runs.keys():
            self.all_done.set()


@dataclass
class Process:
    """One crebot process's clock machinery: engine, scheduler, outbox worker."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    scheduler: ClockScheduler
    worker_task: asyncio.Task[None]

    @classmethod
    async def start(cls, url: str, record: Record) -> Process:
        engine = create_engine_for(url)
        sessions = make_sessionmaker(engine)
        clock = SystemClock()
        handlers = AnyKind(
            {
                op_kind(kind): record.handle
                for kind in (StepKind.REMINDER, StepKind.ESCALATION, StepKind.UPDATE_DUE)
            }
        )
        worker = OutboxWorker(sessions, handlers, clock, batch=100)

        def fired(_steps: list[Fired]) -> None:
            worker.wake()

        scheduler = ClockScheduler(sessions, clock, on_fired=fired)
        await scheduler.start()
        task = asyncio.create_task(worker.run_forever(poll=1.0))
        return cls(engine, sessions, scheduler, task)

    async def stop(self) -> None:
        await self.scheduler.stop()
        self.worker_task.cancel()
        try:
            await self.worker_task
        except asyncio.CancelledError:
            pass
        await self.engine.dispose()


async def _nothing(_ctx: OpContext) -> None:
    return None


class AnyKind(dict[str, Handler]):
    """The clock's handlers; every other kind (room, header, notifications) does nothing
    here, since this measures the clock and not Slack."""

    def get(self, kind: str, default: object = None) -> Handler:
        return super().get(kind, _nothing)


def fresh_database(url: str) -> None:
    engine = create_engine(sync_url(url), poolclass=NullPool)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    metadata.create_all(engine)
    engine.dispose()


def bench_config(rng: random.Random) -> DomainConfig:
    tenants = [
        {
            "id": f"t{i:04d}",
            "name": f"Tenant {i}",
            "response_slo": timedelta(seconds=rng.uniform(SLO_MIN, SLO_MAX)),
        }
        for i in range(INCIDENTS)
    ]
    return DomainConfig.model_validate(
        {
            "response": {
                "slo": "15m",
                "reminders": [],  # the outbox carries escalation work only
                "escalation": [
                    {"after": "0s", "notify": ["U0BENCH1"]},
                    {"after": f"{int(SECOND_STEP)}s", "notify": ["U0BENCH2"]},
                ],
            },
            "tenants": tenants,
        }
    )


async def open_incidents(process: Process, config: DomainConfig) -> None:
    """The clock's part of opening an incident: the row and its planned steps, a few
    incidents per transaction (the room, the draft and the rest of opening, which take
    far longer, are not what this measures)."""
    clock = SystemClock()
    async with process.sessions() as session:
        await sync_tenants(session, config, clock.now())
        await session.commit()
    tenants = config.tenants
    for start in range(0, len(tenants), OPEN_BATCH):
        async with process.sessions() as session:
            for tenant in tenants[start : start + OPEN_BATCH]:
                await _open_one(session, config, tenant.id, clock.now())
            await session.commit()


async def _open_one(
    session: AsyncSession, config: DomainConfig, tenant_id: str, now: datetime
) -> None:
    incident = Incident(
        kind=IncidentKind.TENANT,
        tenant_id=tenant_id,
        signature_id=UNCLASSIFIED.id,
        signature_title=UNCLASSIFIED.title,
        severity=str(UNCLASSIFIED.severity),
        title=f"Bench incident for {tenant_id}",
        status=IncidentStatus.OPEN,
        active_key=f"bench:{tenant_id}",
        detected_by=DetectedBy.MONITORING,
        opened_at=now,
        response_deadline=now + config.slo_for(tenant_id),
        slack_state={},
    )
    session.add(incident)
    await session.flush()
    await response_clock.plan(session, config, incident, now)


def rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def show(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"  {name:<28} p50 {pct(ms, 50):7.1f} ms   p99 {pct(ms, 99):7.1f} ms   "
        f"max {max(ms):7.1f} ms   mean {statistics.fmean(ms):6.1f} ms"
    )


async def run(url: str, restart_after: float, downtime: float, drain_wait: float, seed: int) -> int:
    fresh_database(url)
    record = Record()
    config = bench_config(random.Random(seed))
    started = time.monotonic()
    process = await Process.start(url, record)
    await open_incidents(process, config)
    opened_in = time.monotonic() - started
    async with process.sessions() as session:
        due = {
            s.id: s.due_at
            for s in await session.scalars(
                select(ClockStep).where(ClockStep.kind == StepKind.ESCALATION)
            )
        }
    last_due = max(due.values())
    record.expected = set(due)
    print(f"{INCIDENTS} incidents opened in {opened_in:.1f} s; {len(due)} escalations due")
    print(f"  scheduled jobs in this process: {len(process.scheduler.scheduled)}")

    await asyncio.sleep(max(0.0, restart_after - (time.monotonic() - started)))
    restart_at = datetime.now(UTC)
    await process.stop()
    await asyncio.sleep(downtime)
    process = await Process.start(url, record)
    back_at = datetime.now(UTC)
    print(
        f"restarted at +{time.monotonic() - started:.0f} s "
        f"(down {(back_at - restart_at).total_seconds() * 1000:.0f} ms)"
    )

    # Wait for the last escalation, then for the outbox to finish its Slack work.
    await asyncio.sleep(max(0.0, (last_due - datetime.now(UTC)).total_seconds() + 2))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(record.all_done.wait(), timeout=drain_wait)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    end_rss = rss_mib()

    async with process.sessions() as session:
        steps = {
            s.id: s
            for s in await session.scalars(
                select(ClockStep).where(ClockStep.kind == StepKind.ESCALATION)
            )
        }
        ops = Counter(
            await session.scalars(
                select(OutboxOp.key).where(OutboxOp.kind == op_kind(StepKind.ESCALATION))
            )
        )
        queued = {
            key: status
            for key, status in await session.execute(
                select(OutboxOp.key, OutboxOp.status).where(
                    OutboxOp.kind == op_kind(StepKind.ESCALATION),
                    OutboxOp.status.in_([OpStatus.PENDING, OpStatus.RUNNING]),
                )
            )
        }
    await process.stop()

    fired = [s for s in steps.values() if s.state == StepState.FIRED and s.fired_at is not None]
    claimed = [(s.fired_at - s.due_at).total_seconds() for s in fired]  # type: ignore[operator]
    around = [
        (s.fired_at - s.due_at).total_seconds()  # type: ignore[operator]
        for s in fired
        if restart_at <= s.due_at <= back_at
    ]
    ran = {i: runs for i, runs in record.runs.items() if i in due}
    started_work = [(runs[0] - due[i]).total_seconds() for i, runs in ran.items()]
    not_fired = len(due) - len(fired)
    fired_twice = sum(1 for n in ops.values() if n > 1) + (len(ops) - len(fired))
    ran_twice = sum(1 for runs in ran.values() if len(runs) > 1)
    still_queued = sum(1 for i in due if i not in ran and op_key(i) in queued)
    lost = sum(1 for i in due if i not in ran and op_key(i) not in queued)

    print(f"database: {make_label(url)}")
    print(f"escalations due: {len(due)}")
    print(f"  fired (claimed): {len(fired)}, missed {not_fired}, doubled {fired_twice}")
    show("claimed late by", claimed)
    if around:
        show(f"due while restarting ({len(around)})", around)
    # RUNNING rows were claimed by the process that stopped: the outbox hands them on when
    # their lease runs out.
    leased = sum(1 for status in queued.values() if status == OpStatus.RUNNING)
    print(
        f"  Slack work ran: {len(ran)}, twice {ran_twice}, still queued {still_queued} "
        f"({leased} leased by the stopped process), lost {lost}"
    )
    if started_work:
        show("Slack work started late by", started_work)
    print(f"  memory: peak RSS {peak_rss:.0f} MiB, RSS at the end {end_rss:.0f} MiB")
    print(f"  total run time {time.monotonic() - started:.0f} s")
    ok = not not_fired and not fired_twice and not ran_twice and not lost
    print("OK" if ok else "FAILED: an escalation was missed, lost or doubled")
    return 0 if ok else 1


def make_label(url: str) -> str:
    return sync_url(url).render_as_string(hide_password=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--restart-after", type=float, default=60.0, help="seconds (60)")
    parser.add_argument("--downtime", type=float, default=0.0, help="seconds down (0)")
    parser.add_argument(
        "--drain-wait", type=float, default=30.0, help="seconds to wait for the outbox (30)"
    )
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/clockbench.db"
        return asyncio.run(run(url, args.restart_after, args.downtime, args.drain_wait, args.seed))


if __name__ == "__main__":
    raise SystemExit(main())
