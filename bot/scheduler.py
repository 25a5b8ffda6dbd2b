"""The response clock's scheduler: APScheduler runs each clock step at its due time.

Steps live in the database (bot/incidents/clock.py); this module only decides *when* to
look. Each pending step gets a one-off APScheduler job at its due time (job id
`step:<id>`, so scheduling it again replaces rather than duplicates). When a job runs it
fires every step due by then, through bot/incidents/firing.py, which claims each row with a
conditional UPDATE: the job is a wake-up call, the database says who fires what. So:

- a step created in this process is scheduled as soon as its transaction commits (a
  SQLAlchemy `after_commit` hook passes on the new pending steps);
- a step created by another process is picked up by a re-scan every `rescan_every`
  seconds (a safety net; it also re-adds any job lost to an error);
- on start, steps that fell due while no process was running fire at once (catch-up);
- two processes on one PostgreSQL database may both wake for a step: one claims it, the
  other finds nothing. On SQLite one process is supported.

Due-ness is the injected clock's: with a fake clock nothing fires until a test moves the
clock and calls `await scheduler.run_due()` (the app's `background=False` mode never
starts APScheduler at all).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import TYPE_CHECKING, Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import event, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.features import Feature
from bot.incidents.firing import Fired, fire_due
from bot.incidents.models import ClockStep, StepKind, StepState

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

EXTRAS_KEY = "clock_scheduler"


class ClockScheduler:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        on_fired: Callable[[list[Fired]], None] | None = None,
        rescan_every: float = 30.0,
        horizon: timedelta = timedelta(hours=1),
        batch: int = 200,
    ):
        self.sessions = sessions
        self.clock = clock
        self.on_fired = on_fired
        self.rescan_every = rescan_every
        # Jobs are kept only for steps due within the horizon; the re-scan brings the later
        # ones in as time moves, so memory does not grow with far-off update reminders.
        self.horizon = horizon
        self.batch = batch
        bind = sessions.kw.get("bind")
        self._engine = getattr(bind, "sync_engine", bind)
        self._aps: AsyncIOScheduler | None = None
        self._jobs: dict[int, datetime] = {}
        self._lock = asyncio.Lock()
        self._again = False  # a job came due while a run was going on
        self._runner: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._info_key = f"crebot.clock.{id(self)}"
        # Stored once: SQLAlchemy removes a listener by the identity of the function.
        self._hooks: list[tuple[str, Callable[..., None]]] = [
            ("after_flush", self._after_flush),
            ("after_commit", self._after_commit),
            ("after_rollback", self._after_rollback),
        ]

    @property
    def running(self) -> bool:
        return self._aps is not None

    @property
    def scheduled(self) -> dict[int, datetime]:
        """Step id -> due time of the jobs this process holds (for tests and metrics)."""
        return dict(self._jobs)

    def job_time(self, step_id: int) -> datetime | None:
        """When APScheduler will run the job of this step, if it holds one."""
        job = self._aps.get_job(f"step:{step_id}") if self._aps is not None else None
        return job.next_run_time if job is not None else None

    async def start(self) -> None:
        if self._aps is not None:
            return
        self._stopping = False
        self._aps = AsyncIOScheduler(
            timezone=UTC,
            # A step that is late still fires (misfire_grace_time None): late beats never.
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        self._aps.start()
        for name, hook in self._hooks:
            event.listen(Session, name, hook)
        await self.run_due()  # catch up: steps that fell due while no process was running
        await self.rescan()
        self._aps.add_job(
            self._rescan_job,
            IntervalTrigger(seconds=self.rescan_every, timezone=UTC),
            id="clock:rescan",
            replace_existing=True,
        )
        log.info("response clock scheduler started (%d steps scheduled)", len(self._jobs))

    async def stop(self) -> None:
        """Stop without cutting work short: the run in progress commits, then it ends."""
        if self._aps is None:
            return
        for name, hook in self._hooks:
            if event.contains(Session, name, hook):
                event.remove(Session, name, hook)
        self._stopping = True
        self._aps.pause()
        # Jobs already handed to the loop only kick the runner; let them finish, so the
        # shutdown below has nothing to cancel.
        await asyncio.sleep(0)
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await task
        self._aps.shutdown(wait=False)
        self._aps = None
        self._jobs.clear()

    # firing -----------------------------------------------------------------------------
    async def run_due(self) -> list[Fired]:
        """Fire every step due at `clock.now()`, in batches, each batch one transaction."""
        fired: list[Fired] = []
        async with self._lock:  # one run at a time per process; other processes may race
            self._again = True
            while self._again and not self._stopping:
                self._again = False
                fired += await self._fire_batches()
        return fired

    async def _fire_batches(self) -> list[Fired]:
        fired: list[Fired] = []
        while True:
            async with self.sessions() as session:
                batch = await fire_due(session, self.clock.now(), limit=self.batch)
                await session.commit()
            if batch:
                for done in batch:
                    self._unschedule(done.step_id)
                if self.on_fired is not None:
                    self.on_fired(batch)  # the outbox starts on this batch's Slack work now
            fired.extend(batch)
            if len(batch) < self.batch:
                return fired

    async def _job(self, step_id: int) -> None:
        """A step's APScheduler job: wake the runner and return at once. Many steps fall
        due together; one runner serves them all instead of each job queueing behind it,
        and the runner is this scheduler's own task, so `stop()` can wait for it."""
        self._jobs.pop(step_id, None)
        self._again = True  # a run going on started before this step came due: go round
        if self._runner is None or self._runner.done():
            self._runner = self._spawn(self._run_logged())

    async def _run_logged(self) -> None:
        try:
            await self.run_due()
        except Exception:  # the steps stay pending; the next re-scan schedules them again
            log.exception("firing clock steps failed")

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # scheduling -------------------------------------------------------------------------
    async def rescan(self) -> int:
        """Schedule every pending step due within the horizon; drop jobs of steps that are
        no longer pending (acknowledged, fired elsewhere). Returns how many were added."""
        if self._aps is None:
            return 0
        until = self.clock.now() + self.horizon
        async with self.sessions() as session:
            rows = await session.execute(
                select(ClockStep.id, ClockStep.due_at).where(
                    ClockStep.state == StepState.PENDING, ClockStep.due_at <= until
                )
            )
            pending = {int(step_id): due for step_id, due in rows.all()}
        for step_id in [s for s in self._jobs if s not in pending]:
            self._unschedule(step_id)
        return sum(self._schedule(step_id, due) for step_id, due in pending.items())

    async def _rescan_job(self) -> None:
        self._spawn(self._rescan_logged())

    async def _rescan_logged(self) -> None:
        try:
            await self.rescan()
        except Exception:
            log.exception("re-scanning clock steps failed; trying again later")

    def _schedule(self, step_id: int, due: datetime) -> bool:
        if self._aps is None or self._stopping or self._jobs.get(step_id) == due:
            return False
        self._jobs[step_id] = due
        self._aps.add_job(
            self._job,
            DateTrigger(run_date=due, timezone=UTC),
            args=[step_id],
            id=f"step:{step_id}",
            replace_existing=True,
        )
        return True

    def _unschedule(self, step_id: int) -> None:
        if self._jobs.pop(step_id, None) is not None and self._aps is not None:
            try:
                self._aps.remove_job(f"step:{step_id}")
            except JobLookupError:
                pass  # it is running or already ran

    # new steps, seen as their transaction commits ----------------------------------------
    def _after_flush(self, session: Session, _context: Any) -> None:
        if session.bind is not self._engine:
            return
        for obj in chain(session.new, session.dirty):
            if not isinstance(obj, ClockStep):
                continue
            # Read what is loaded without triggering a load inside the flush.
            values = inspect(obj).dict
            if (
                values.get("state") == StepState.PENDING
                and values.get("id")
                and values.get("due_at")
            ):
                session.info.setdefault(self._info_key, {})[values["id"]] = values["due_at"]

    def _after_commit(self, session: Session) -> None:
        found: dict[int, datetime] | None = session.info.pop(self._info_key, None)
        if not found or self._aps is None:
            return
        until = self.clock.now() + self.horizon
        for step_id, due in found.items():
            if due <= until:
                self._schedule(step_id, due)

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(self._info_key, None)


def clock_scheduler(runtime: Runtime) -> ClockScheduler:
    """The app's scheduler (tests call `await clock_scheduler(runtime).run_due()`)."""
    scheduler = runtime.extras.get(EXTRAS_KEY)
    if not isinstance(scheduler, ClockScheduler):
        raise RuntimeError("the clock feature is not part of this app")
    return scheduler


async def start_clock(runtime: Runtime) -> None:
    def fired(steps: list[Fired]) -> None:
        for step in steps:
            if step.kind == StepKind.ESCALATION and step.outcome == StepState.FIRED:
                runtime.metrics.escalations.labels(step.tenant_id or "").inc()
        runtime.wake_outbox()

    scheduler = ClockScheduler(runtime.sessions, runtime.clock, on_fired=fired)
    runtime.extras[EXTRAS_KEY] = scheduler
    runtime.extras.setdefault("on_stop", []).append(scheduler.stop)
    # The app factory's `background=False` (tests) leaves APScheduler stopped.
    if runtime.extras.get("background", True):
        await scheduler.start()


def feature() -> Feature:
    from bot.slack.clock_actions import handlers

    return Feature("clock", outbox=handlers, on_start=(start_clock,))
