"""Running outbox operations: claim, run, record, retry.

Claiming is a conditional UPDATE (`… WHERE id = :id AND claimable`), so two workers, in one
process or two, never run the same row at once; on PostgreSQL candidates are also selected
with FOR UPDATE SKIP LOCKED so workers do not queue behind each other.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.outbox.models import OpStatus, OutboxOp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retry:
    """Try again after `after` (a 429's Retry-After, or a backoff chosen by the worker)."""

    after: timedelta | None = None
    reason: str = ""
    counts: bool = True  # a rate limit is not the operation's fault: it does not use up tries


@dataclass(frozen=True)
class GiveUp:
    reason: str


Classifier = Callable[[BaseException], Retry | GiveUp]


class OpContext:
    """What a handler gets: its row, a session it may checkpoint, and the time."""

    def __init__(self, op: OutboxOp, session: AsyncSession, clock: Clock):
        self.op = op
        self.session = session
        self.clock = clock

    @property
    def payload(self) -> dict[str, Any]:
        return self.op.payload

    @property
    def progress(self) -> dict[str, Any]:
        return dict(self.op.progress or {})

    async def checkpoint(self, **done: Any) -> None:
        """Record progress and commit it with any domain changes made so far.

        Call it right after each Slack call that made something (a channel, a message), so a
        crash after this point resumes from here rather than making it again.
        """
        self.op.progress = {**(self.op.progress or {}), **done}
        await self.session.commit()


Handler = Callable[[OpContext], Awaitable[None]]


def _default_classifier(exc: BaseException) -> Retry | GiveUp:
    return Retry(reason=f"{type(exc).__name__}: {exc}")


class OutboxWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        handlers: Mapping[str, Handler],
        clock: Clock,
        *,
        classify: Classifier = _default_classifier,
        worker_id: str | None = None,
        lease: timedelta = timedelta(seconds=120),
        max_attempts: int = 12,
        base_backoff: float = 2.0,
        max_backoff: float = 300.0,
        batch: int = 20,
        on_dead: Callable[[OutboxOp, str], None] | None = None,
    ):
        self.sessions = sessions
        self.handlers = handlers
        self.clock = clock
        self.classify = classify
        self.worker_id = worker_id or f"w-{uuid.uuid4().hex[:10]}"
        self.lease = lease
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.batch = batch
        self.on_dead = on_dead
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def _claim(self) -> list[int]:
        now = self.clock.now()
        claimable = or_(
            and_(OutboxOp.status == OpStatus.PENDING, OutboxOp.next_attempt_at <= now),
            and_(OutboxOp.status == OpStatus.RUNNING, OutboxOp.lease_until < now),
        )
        claimed: list[int] = []
        async with self.sessions() as session:
            stmt = (
                select(OutboxOp.id)
                .where(claimable)
                .order_by(OutboxOp.next_attempt_at, OutboxOp.id)
                .limit(self.batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            ids = list((await session.scalars(stmt)).all())
            for op_id in ids:
                result = await session.execute(
                    update(OutboxOp)
                    .where(OutboxOp.id == op_id, claimable)
                    .values(
                        status=OpStatus.RUNNING, worker=self.worker_id, lease_until=now + self.lease
                    )
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(op_id)
            await session.commit()
        return claimed

    async def run_once(self) -> int:
        """Claim the operations that are due and run them; return how many ran."""
        ids = await self._claim()
        for op_id in ids:
            await self._run(op_id)
        return len(ids)

    async def drain(self, max_rounds: int = 1000) -> int:
        """Run until nothing is due now (tests and shutdown). Returns operations run."""
        total = 0
        for _ in range(max_rounds):
            n = await self.run_once()
            total += n
            if n == 0:
                return total
        raise RuntimeError("outbox did not drain: an operation keeps re-queueing itself")

    async def _run(self, op_id: int) -> None:
        async with self.sessions() as session:
            op = await session.get(OutboxOp, op_id)
            if op is None or op.status != OpStatus.RUNNING or op.worker != self.worker_id:
                return
            kind = op.kind
            handler = self.handlers.get(kind)
            outcome: Retry | GiveUp | None
            if handler is None:
                outcome = GiveUp(f"no handler for operation kind {kind!r}")
            else:
                try:
                    await handler(OpContext(op, session, self.clock))
                    outcome = None
                except Exception as exc:  # every failure is classified, none kills the worker
                    await session.rollback()
                    outcome = self.classify(exc)
                    if isinstance(outcome, GiveUp) or outcome.counts:
                        log.warning("outbox op %s (%s) failed: %s", op_id, kind, exc)
            await self._finish(session, op_id, outcome)

    async def _finish(
        self, session: AsyncSession, op_id: int, outcome: Retry | GiveUp | None
    ) -> None:
        op = await session.get(OutboxOp, op_id, populate_existing=True)
        if op is None or op.worker != self.worker_id:
            return  # the lease ran out and another worker owns it now
        now = self.clock.now()
        op.lease_until = None
        if outcome is None:
            op.status, op.done_at, op.last_error = OpStatus.DONE, now, None
        else:
            op.last_error = outcome.reason[:2000]
            attempts = op.attempts + (1 if isinstance(outcome, GiveUp) or outcome.counts else 0)
            op.attempts = attempts
            if isinstance(outcome, GiveUp) or attempts >= self.max_attempts:
                op.status = OpStatus.DEAD
                log.error("outbox op %s (%s) gave up: %s", op.id, op.kind, outcome.reason)
                if self.on_dead:
                    self.on_dead(op, outcome.reason)
            else:
                op.status = OpStatus.PENDING
                op.next_attempt_at = now + (outcome.after or self._backoff(attempts))
        await session.commit()

    def _backoff(self, attempts: int) -> timedelta:
        seconds = min(self.max_backoff, self.base_backoff * 2 ** max(0, attempts - 1))
        return timedelta(seconds=seconds * (0.75 + random.random() / 2))

    async def release(self) -> int:
        """On shutdown, hand back what this worker claimed but did not finish, so another
        process (or this one after a restart) runs it now instead of after the lease."""
        try:
            async with self.sessions() as session:
                result = await session.execute(
                    update(OutboxOp)
                    .where(OutboxOp.status == OpStatus.RUNNING, OutboxOp.worker == self.worker_id)
                    .values(status=OpStatus.PENDING, worker=None, lease_until=None)
                )
                await session.commit()
                return int(result.rowcount or 0)  # type: ignore[attr-defined]
        except Exception:  # shutting down: the lease still covers us
            log.warning("could not release claimed outbox operations", exc_info=True)
            return 0

    async def next_due(self) -> datetime | None:
        async with self.sessions() as session:
            stmt = (
                select(OutboxOp.next_attempt_at)
                .where(OutboxOp.status == OpStatus.PENDING)
                .order_by(OutboxOp.next_attempt_at)
                .limit(1)
            )
            return await session.scalar(stmt)

    async def run_forever(self, poll: float = 2.0) -> None:
        """The background loop: run what is due, then sleep until the next due time, a
        wake-up from this process, or `poll` seconds (work queued by another process)."""
        while True:
            try:
                while await self.run_once():
                    pass
                due = await self.next_due()
                wait = poll
                if due is not None:
                    wait = max(0.0, min(poll, (due - self.clock.now()).total_seconds()))
            except asyncio.CancelledError:
                await asyncio.shield(self.release())
                raise
            except Exception:
                log.exception("outbox worker loop failed; retrying")
                wait = poll
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            except TimeoutError:
                pass
