"""Alerts to incidents: one delivery's alerts stored, attached, resolved (no HTTP, no Slack).

    ingest(session, domain, alerts, now) -> IngestResult

The caller owns the unit of work and commits once per delivery. In order:

1. Route every alert (bot.ingest.routing): key tenant or not, and its signature.
2. Firing alerts: insert every new occurrence in one statement; a redelivery hits the unique
   (source, dedup_key, occurrence) and changes nothing (bot.ingest.occurrences says what an
   occurrence is). Rows of key tenants point at the active incident of their (tenant,
   signature), found in one query beforehand.
3. Resolved alerts: close the occurrence they name, else the latest firing one of their
   dedup key, with one conditional UPDATE. A resolve that matches nothing changes nothing.
4. Lock the incidents touched, open the missing ones (`open_or_get`: at most one active per
   tenant and signature, decided by its unique key), and attach their alerts.
5. "Every alert resolved" is set when an incident's last alert resolves, and cleared by a new
   firing one; the incident itself stays open for a person to close.
6. Timeline entries, header refreshes, and the triage summary, queued in the same
   transaction, so the Slack work exists exactly when the change it reports does.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Container, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.loader import Domain
from bot.incidents.models import DetectedBy
from bot.incidents.service import open_or_get, refresh_headers
from bot.incidents.timeline import EntryKind
from bot.ingest import attach, store
from bot.ingest.alert import Alert, AlertStatus
from bot.ingest.occurrences import occurrence_key
from bot.ingest.outcome import AlertOutcome, IngestResult, OpenedIncident, Result
from bot.ingest.resolves import resolve
from bot.ingest.routing import Route, alertname, needs_triage, route
from bot.ingest.triage import queue_summary, summary_key

_TEXT_LIMIT = 500


async def ingest(
    session: AsyncSession,
    domain: Domain,
    alerts: Sequence[tuple[int, Alert]],
    now: datetime,
    *,
    triage_queued: Container[str] = frozenset(),
) -> IngestResult:
    """Store and act on one delivery's alerts, given with their index in the delivery.

    `triage_queued` holds triage summary keys the caller knows are already committed; the
    summary of such a window is not queued again (queuing it again would be a no-op, but a
    round trip in every delivery of a storm).
    """
    result = IngestResult()
    firing: list[AlertOutcome] = []
    resolving: list[AlertOutcome] = []
    for index, alert in alerts:
        item = AlertOutcome(index, alert, route(domain, alert), Result.NEW)
        result.alerts.append(item)
        (firing if alert.status is AlertStatus.FIRING else resolving).append(item)

    keys = {key for item in firing if (key := _key(item)) is not None}
    active = await attach.find_active(session, keys)
    new = await _store_firing(session, firing, active, now)
    await resolve(session, resolving, now)
    resolved = [item for item in resolving if item.result is Result.RESOLVED]

    locked = await attach.lock(session, _incidents(new + resolved))
    opened = await _attach_new(session, domain, new, locked, result, now)
    # An incident open_or_get found rather than opened was opened by a concurrent delivery
    # after our first lock: lock it too before reading its flag.
    locked |= await attach.lock(session, _incidents(new) - set(locked) - opened)

    firing_in = _incidents(new)
    cleared = {i for i in firing_in if i in locked and locked[i].all_alerts_resolved}
    await attach.set_all_resolved(session, cleared, False)
    settled = await _all_resolved(session, resolved, firing_in, locked)
    await attach.add_timeline(session, _timeline(new, resolved, cleared, settled, now))

    result.updated = (firing_in | _incidents(resolved)) - opened
    await refresh_headers(session, result.updated, now)
    triage = domain.config.channels.triage
    if triage and any(needs_triage(item.route) for item in new):
        result.triage_key = summary_key(now)
        if result.triage_key not in triage_queued:
            await queue_summary(session, triage, now)
    return result


def _incidents(items: list[AlertOutcome]) -> set[int]:
    return {item.incident_id for item in items if item.incident_id is not None}


def _timeline(
    new: list[AlertOutcome],
    resolved: list[AlertOutcome],
    cleared: set[int],
    settled: list[int],
    now: datetime,
) -> list[dict[str, Any]]:
    rows = []
    for item in new:
        if item.incident_id is not None:
            again = item.incident_id in cleared
            note = " (firing again after every alert had resolved)" if again else ""
            rows.append(_alert_entry(item, now, EntryKind.ALERT, "firing", note))
    for item in resolved:
        if item.incident_id is not None:
            rows.append(_alert_entry(item, now, EntryKind.ALERT_RESOLVED, "resolved", ""))
    for incident_id in settled:
        rows.append(
            attach.timeline_row(
                incident_id,
                now,
                EntryKind.ALL_ALERTS_RESOLVED,
                "Every alert of this incident has resolved. The incident stays open until a "
                "person confirms the customer impact is over.",
            )
        )
    return rows


def _key(item: AlertOutcome) -> str | None:
    if not item.route.opens_incident or item.route.tenant is None:
        return None
    return attach.active_key(item.route.tenant, item.route.playbook.id)


def _row(item: AlertOutcome, occurrence: str, now: datetime) -> dict[str, Any]:
    return alert_row(item.alert, item.route, occurrence, now, incident_id=item.incident_id)


def alert_row(
    alert: Alert, where: Route, occurrence: str, now: datetime, *, incident_id: int | None
) -> dict[str, Any]:
    """The stored form of a new firing occurrence (also used by bench/alert_storm.py's
    storage floor, so the floor inserts exactly what ingest inserts)."""
    return {
        "source": alert.source,
        "dedup_key": alert.dedup_key,
        "occurrence": occurrence,
        "status": AlertStatus.FIRING.value,
        "tenant": where.tenant,
        "signature_id": where.playbook.id,
        "disposition": where.disposition.value,
        "incident_id": incident_id,
        "alertname": alertname(alert),
        "labels": alert.labels,
        "summary": alert.summary,
        "description": alert.description,
        "links": alert.links,
        "raw": alert.raw,
        "starts_at": alert.starts_at,
        "ends_at": None,
        "received_at": now,
        "resolved_at": None,
        "verdict": None,
        "calibration_note": None,
        "reviewed_by": None,
        "reviewed_at": None,
    }


async def _store_firing(
    session: AsyncSession, firing: list[AlertOutcome], active: dict[str, int], now: datetime
) -> list[AlertOutcome]:
    """Insert the new occurrences, each pointing at the active incident of its (tenant,
    signature) if there is one; mark the rest duplicates. Returns the new ones."""
    first: dict[tuple[str, str, str], AlertOutcome] = {}
    rows = []
    for item in firing:
        occurrence = occurrence_key(item.alert)
        ident = (item.alert.source, item.alert.dedup_key, occurrence)
        if ident in first:  # the same occurrence twice in one delivery
            item.result = Result.DUPLICATE
            continue
        first[ident] = item
        key = _key(item)
        item.incident_id = active.get(key) if key is not None else None
        rows.append(_row(item, occurrence, now))
    inserted = await store.insert_new(session, rows)
    new = []
    for ident, item in first.items():
        if ident in inserted:
            item.row_id = inserted[ident]
            new.append(item)
        else:
            item.result, item.incident_id = Result.DUPLICATE, None
    return new


async def _attach_new(
    session: AsyncSession,
    domain: Domain,
    new: list[AlertOutcome],
    locked: dict[int, attach.Locked],
    result: IngestResult,
    now: datetime,
) -> set[int]:
    """Give every new key-tenant alert an active incident, opening the missing ones.

    An incident found before the insert may have been resolved since (its active key is gone
    once locked): its alerts then open a new incident like any alert of an unknown pair.
    Returns the ids of the incidents this delivery opened.
    """
    homeless: dict[str, list[AlertOutcome]] = defaultdict(list)
    for item in new:
        key = _key(item)
        if key is None:
            continue
        current = locked.get(item.incident_id) if item.incident_id is not None else None
        if current is None or current.active_key != key:
            homeless[key].append(item)
    assignments: dict[int, int] = {}
    created: set[int] = set()
    for key in sorted(homeless):  # every delivery opens in one order: no lock cycles here
        items = homeless[key]
        first = items[0]
        tenant = first.route.tenant
        assert tenant is not None
        started = time.perf_counter()
        opened = await open_or_get(
            session,
            domain.config,
            tenant_id=tenant,
            playbook=first.route.playbook,
            detected_by=DetectedBy.MONITORING,
            now=now,
            title=_title(domain, first),
        )
        result.opening_seconds += time.perf_counter() - started
        incident_id = opened.incident.id
        if opened.created:
            created.add(incident_id)
            result.opened.append(OpenedIncident(incident_id, tenant, first.route.playbook.id))
        for item in items:
            item.incident_id = incident_id
            if item.row_id is not None:
                assignments[item.row_id] = incident_id
    await store.set_incident(session, assignments)
    return created


async def _all_resolved(
    session: AsyncSession,
    resolved: list[AlertOutcome],
    firing_in: set[int],
    locked: dict[int, attach.Locked],
) -> list[int]:
    """Incidents whose last firing alert this delivery resolved; their flag is set here."""
    candidates = {
        item.incident_id
        for item in resolved
        if item.incident_id is not None and item.incident_id not in firing_in
    }
    candidates = {i for i in candidates if i in locked and not locked[i].all_alerts_resolved}
    still_firing = await store.firing_counts(session, candidates)
    settled = sorted(i for i in candidates if not still_firing.get(i))
    await attach.set_all_resolved(session, settled, True)
    return settled


def _title(domain: Domain, item: AlertOutcome) -> str:
    tenant = domain.config.tenant(item.route.tenant)
    who = tenant.name if tenant is not None else item.route.tenant or "?"
    what = (
        item.route.playbook.title
        if not item.route.unclassified
        else alertname(item.alert) or item.alert.summary
    )
    return f"{who}: {what}"


def _alert_entry(
    item: AlertOutcome, now: datetime, kind: EntryKind, verb: str, note: str
) -> dict[str, Any]:
    alert = item.alert
    name = alertname(alert)
    text = f"Alert {verb} ({alert.source}): {alert.summary}{note}"
    if len(text) > _TEXT_LIMIT:
        text = text[: _TEXT_LIMIT - 1] + "…"
    assert item.incident_id is not None
    return attach.timeline_row(
        item.incident_id,
        now,
        kind,
        text,
        alert_id=item.row_id,
        source=alert.source,
        dedup_key=alert.dedup_key,
        alertname=name,
    )
