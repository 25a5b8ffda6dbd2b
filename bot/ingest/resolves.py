"""Resolved alerts: which stored occurrence each one closes, closed once even under races.

A resolve closes the occurrence it names by start time (Alertmanager, Grafana, Azure and
generic alerts carry it), else the newest firing occurrence of its source and dedup key that
started no later than it did (PagerDuty and Datadog carry no start). One that matches nothing
changes nothing, and one whose occurrence already resolved is a redelivery. The closing
UPDATE is conditional on the row still firing, so of two deliveries racing, one closes it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.ingest import store
from bot.ingest.alert import Alert, AlertStatus
from bot.ingest.occurrences import OPEN, closed_key, start_key
from bot.ingest.outcome import AlertOutcome, Result


async def resolve(session: AsyncSession, items: list[AlertOutcome], now: datetime) -> None:
    """Close what each resolved alert names; sets each item's result, row and incident."""
    by_source: dict[str, list[AlertOutcome]] = defaultdict(list)
    for item in items:
        by_source[item.alert.source].append(item)
    for source, group in by_source.items():
        named = [start_key(i.alert.starts_at) for i in group if i.alert.starts_at is not None]
        candidates = await store.resolve_candidates(
            session, source, (i.alert.dedup_key for i in group), named
        )
        exact = {(c.dedup_key, c.occurrence): c for c in candidates}
        firing: dict[str, list[store.Candidate]] = defaultdict(list)
        for candidate in candidates:
            if candidate.status == AlertStatus.FIRING.value:
                firing[candidate.dedup_key].append(candidate)
        for rows in firing.values():  # newest occurrence first
            rows.sort(key=lambda c: (c.starts_at or c.received_at, c.id), reverse=True)
        targets: dict[int, tuple[AlertOutcome, store.Candidate]] = {}
        for item in group:
            target = _target(item.alert, exact, firing, targets)
            if isinstance(target, Result):
                item.result = target
            else:
                targets[target.id] = (item, target)
        ends = {row_id: item.alert.ends_at or now for row_id, (item, _) in targets.items()}
        renames = {
            row_id: closed_key(c.received_at, row_id)
            for row_id, (_, c) in targets.items()
            if c.occurrence == OPEN
        }
        done = await store.mark_resolved(session, ends, renames, now)
        for row_id, (item, _) in targets.items():
            if row_id in done:
                item.result, item.row_id, item.incident_id = Result.RESOLVED, row_id, done[row_id]
            else:  # another delivery resolved it between our read and our update
                item.result = Result.ALREADY_RESOLVED


def _target(
    alert: Alert,
    exact: dict[tuple[str, str], store.Candidate],
    firing: dict[str, list[store.Candidate]],
    taken: dict[int, Any],
) -> store.Candidate | Result:
    """The stored occurrence a resolve closes: the one it names by start time, else the
    newest firing one of its dedup key that started no later than it did."""
    if alert.starts_at is not None:
        named = exact.get((alert.dedup_key, start_key(alert.starts_at)))
        if named is not None:
            if named.status == AlertStatus.FIRING.value and named.id not in taken:
                return named
            return Result.ALREADY_RESOLVED
    for candidate in firing.get(alert.dedup_key, ()):
        if candidate.id in taken:
            continue
        if alert.starts_at and candidate.starts_at and candidate.starts_at > alert.starts_at:
            continue  # a later occurrence: this resolve is about an older one
        return candidate
    return Result.UNMATCHED
