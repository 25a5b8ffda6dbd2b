"""`POST /webhooks/{source}`: the monitoring tools' way in (CONTRACT.md, docs/webhooks.md).

The edge only checks, reads, calls the service and answers: credentials (401), size (413),
media type (415) and shape (422) come first, then one unit of work per delivery, committed
before the 202. Slack work is queued in that same transaction, so the answer never waits on
Slack. For input a tool can send, no path leads to a 500: most tools drop an alert after a
4xx, and Azure even after a 500, so an answer must always say exactly what was kept.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Container
from typing import TYPE_CHECKING

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, StatementError

from bot.errors import CrebotError, NotFound, PayloadError, UnsupportedMediaType
from bot.features import Feature
from bot.http.auth import check_token
from bot.ingest.adapters import ADAPTERS
from bot.ingest.alert import Alert, AlertProblem, ParsedBatch
from bot.ingest.cleaning import clean_alert, needs_cleaning
from bot.ingest.outcome import IngestResult, summary
from bot.ingest.parse import parse_delivery
from bot.ingest.service import ingest

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])

# A deadlock or a busy SQLite file is another delivery's bad timing, not this one's fault.
_ATTEMPTS = 3
_RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure
# runtime.extras: triage summary windows this process has committed (bot.ingest.triage).
_TRIAGE_QUEUED = "ingest.triage_queued"


class BodyTooLarge(Exception):
    pass


@router.post("/webhooks/{source}", status_code=202)
async def receive_webhook(source: str, request: Request) -> JSONResponse:
    """Accept one delivery from a monitoring tool; see docs/webhooks.md for each tool."""
    runtime: Runtime = request.app.state.runtime
    label = _label(source)
    started = time.perf_counter()
    try:
        return await _receive(runtime, source, request)
    except HTTPException as exc:
        runtime.metrics.webhook_rejected.labels(label, str(exc.status_code)).inc()
        raise
    except CrebotError as exc:
        runtime.metrics.webhook_rejected.labels(label, str(_status_of(exc))).inc()
        raise
    finally:
        runtime.metrics.webhook_latency.labels(label).observe(time.perf_counter() - started)


async def _receive(runtime: Runtime, source: str, request: Request) -> JSONResponse:
    settings = runtime.settings
    check_token(request, settings.webhook_token, allow_query=True, what="webhooks")
    try:
        body = await read_limited(request, settings.webhook_max_bytes)
    except BodyTooLarge:
        runtime.metrics.webhook_rejected.labels(_label(source), "413").inc()
        return JSONResponse(
            {
                "error": "too_large",
                "message": f"the body is over {settings.webhook_max_bytes} bytes; "
                "send smaller groups (max_alerts)",
            },
            status_code=413,
        )
    batch = parse_delivery(source, body, request.headers.get("content-type"))
    notes, problems = _split_notes(source, batch.problems)
    if not batch.alerts and not notes and any(p.index is not None for p in problems):
        runtime.metrics.webhook_rejected.labels(_label(source), "422").inc()
        return _nothing_readable(problems)
    alerts = indexed(batch)
    if needs_cleaning(body):
        alerts = [(index, clean_alert(alert)) for index, alert in alerts]
    if alerts:
        try:
            queued: set[str] = runtime.extras.setdefault(_TRIAGE_QUEUED, set())
            result = await store_delivery(runtime, alerts, triage_queued=queued)
            if result.triage_key is not None:  # committed: later deliveries need not queue it
                if len(queued) > 100:
                    queued.clear()
                queued.add(result.triage_key)
        except DBAPIError:
            log.exception("storing a %s delivery failed", source)
            runtime.metrics.webhook_rejected.labels(_label(source), "503").inc()
            return JSONResponse(
                {"error": "unavailable", "message": "the database is unavailable; retry"},
                status_code=503,
                headers={"Retry-After": "30"},
            )
        _count(runtime, source, result, problems)
        if result.opened or result.updated:
            runtime.wake_outbox()
    else:
        result = IngestResult()
    return JSONResponse(summary(source, result, problems, notes), status_code=202)


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refusing it as soon as it is known to exceed `limit` bytes: at once from a
    Content-Length that says so, else while streaming, so an oversized body is never held."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


def indexed(batch: ParsedBatch) -> list[tuple[int, Alert]]:
    """Each alert with its position in the delivery. Adapters keep the good alerts in order
    and report every bad one with its index, so the positions are the ones not reported."""
    bad = {problem.index for problem in batch.problems if problem.index is not None}
    positions: list[tuple[int, Alert]] = []
    index = 0
    for alert in batch.alerts:
        while index in bad:
            index += 1
        positions.append((index, alert))
        index += 1
    return positions


async def store_delivery(
    runtime: Runtime,
    alerts: list[tuple[int, Alert]],
    *,
    triage_queued: Container[str] = frozenset(),
) -> IngestResult:
    """One unit of work for the delivery, retried when another delivery's timing, not its
    content, made it fail (a deadlock, a busy SQLite file)."""
    cleaned = False
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            async with runtime.sessions() as session:
                result = await ingest(
                    session,
                    runtime.domain,
                    alerts,
                    runtime.clock.now(),
                    triage_queued=triage_queued,
                )
                await session.commit()
                return result
        except (StatementError, RecursionError, UnicodeError) as exc:
            if not cleaned and _unstorable(exc):
                # A value the database refuses to store (bot.ingest.cleaning): store the
                # delivery again with such values replaced.
                log.info("storing a delivery again with values cleaned: %s", exc)
                alerts = [(index, clean_alert(alert)) for index, alert in alerts]
                cleaned = True
                continue
            if isinstance(exc, DBAPIError) and _retryable(exc) and attempt < _ATTEMPTS:
                log.info("retrying a delivery after %s", type(exc.orig).__name__)
                # A little jitter, so the deliveries that collided do not collide again.
                await asyncio.sleep(random.uniform(0.005, 0.05) * attempt)
                continue
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def _unstorable(exc: Exception) -> bool:
    """The database (or the driver on the way to it) refused a value, not the statement."""
    if isinstance(exc, DataError):  # PostgreSQL: NUL in text, Infinity in JSONB, ...
        return True
    cause = exc.orig if isinstance(exc, StatementError) else exc
    return isinstance(cause, RecursionError | UnicodeError | ValueError)


def _retryable(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig)


def _split_notes(
    source: str, problems: list[AlertProblem]
) -> tuple[list[AlertProblem], list[AlertProblem]]:
    """A PagerDuty `acknowledge` is a valid event crebot does not track: reported as ignored
    (docs/webhooks.md), not as a problem."""
    notes = [p for p in problems if source == "pagerduty" and p.field == "event_action"]
    return notes, [p for p in problems if p not in notes]


def _nothing_readable(problems: list[AlertProblem]) -> JSONResponse:
    """Every alert was bad: a 422 like any unreadable body, listing each alert's problem."""
    first = next(p for p in problems if p.index is not None)
    return JSONResponse(
        {
            "error": "invalid_payload",
            "message": f"no alert of this delivery could be read ({first.field}: {first.message})",
            "field": first.field,
            "index": first.index,
            "problems": [problem.as_dict() for problem in problems],
        },
        status_code=422,
    )


def _count(
    runtime: Runtime, source: str, result: IngestResult, problems: list[AlertProblem]
) -> None:
    metrics = runtime.metrics
    for what, count in result.counts().items():
        metrics.alerts.labels(source, what).inc(count)
    unreadable = sum(1 for p in problems if p.index is not None)
    if unreadable:
        metrics.alerts.labels(source, "unreadable").inc(unreadable)
    if result.opening_seconds:
        metrics.incident_opening.labels(source).inc(result.opening_seconds)
    for incident in result.opened:
        metrics.incidents_opened.labels(incident.tenant, incident.signature_id, "monitoring").inc()


def _label(source: str) -> str:
    return source if source in ADAPTERS else "unknown"  # no metric series per random path


def _status_of(exc: CrebotError) -> int:
    if isinstance(exc, UnsupportedMediaType):
        return 415
    if isinstance(exc, PayloadError):
        return 422
    if isinstance(exc, NotFound):
        return 404
    return 400


def feature() -> Feature:
    """Webhooks in, and the triage channel's summaries out."""
    from bot.slack.triage import handlers

    return Feature("ingest", routers=(router,), outbox=handlers)
