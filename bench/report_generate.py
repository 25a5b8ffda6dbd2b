"""How long the reliability report takes over a busy quarter, on SQLite (or any URL given).

    python bench/report_generate.py [DATABASE_URL]

Fills an empty database with 90 days of data: 50 key tenants, 3,000 incidents (each with
an intake, 2 delivered customer messages, clock steps) and 60,000 alerts (a quarter of them
untenanted), then times `report.generate` for 30 days (what /metrics and `/cre report`
compute) and the Markdown rendering. Rows are inserted in bulk: this measures reading.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from sqlalchemy import create_engine, insert
from sqlalchemy.pool import NullPool

from bot.db import create_engine_for, make_sessionmaker, sync_url
from bot.incidents.models import ClockStep, Incident
from bot.ingest.models import AlertRecord
from bot.intake.models import IntakeRevision
from bot.models import metadata
from bot.notifications.models import Notification
from bot.reports import render
from bot.reports.report import Period, generate
from bot.tenants.models import Tenant

TENANTS = 50
INCIDENTS = 3_000
ALERTS_PER_INCIDENT = 15
UNTENANTED = 15_000
SIGNATURES = [f"signature-{i}" for i in range(12)]
NOW = datetime(2026, 4, 1, tzinfo=UTC)
DAYS = 90


def fill(url: str) -> None:
    rng = random.Random(8)
    engine = create_engine(sync_url(url), poolclass=NullPool)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(Tenant),
            [
                {"id": f"t{i:02d}", "name": f"Tenant {i}", "is_key": True, "synced_at": NOW}
                for i in range(TENANTS)
            ],
        )
        incidents, intakes, notes, steps, alerts = [], [], [], [], []
        for n in range(1, INCIDENTS + 1):
            opened = NOW - timedelta(minutes=rng.randrange(DAYS * 24 * 60))
            ack = opened + timedelta(minutes=rng.randrange(1, 40))
            resolved = ack + timedelta(minutes=rng.randrange(5, 300))
            incidents.append(
                {
                    "id": n,
                    "kind": "tenant",
                    "tenant_id": f"t{rng.randrange(TENANTS):02d}",
                    "signature_id": rng.choice(SIGNATURES),
                    "signature_title": "A signature",
                    "severity": "sev2",
                    "title": "Something failed",
                    "status": "resolved",
                    "detected_by": rng.choice(["monitoring"] * 4 + ["customer"]),
                    "opened_at": opened,
                    "response_deadline": opened + timedelta(minutes=15),
                    "acknowledged_at": ack,
                    "resolved_at": resolved,
                    "false_positive": False,
                    "all_alerts_resolved": True,
                    "slack_state": {},
                }
            )
            intakes.append(
                {
                    "incident_id": n,
                    "revision": 1,
                    "created_at": ack,
                    "impact_start": opened - timedelta(minutes=rng.randrange(30)),
                }
            )
            for k, kind in enumerate(("initial", "resolved")):
                at = ack + timedelta(minutes=10 + k * 300)
                notes.append(
                    {
                        "incident_id": n,
                        "kind": kind,
                        "status": "delivered",
                        "revision": 1,
                        "created_at": at,
                        "delivered_at": at,
                    }
                )
            steps.append(
                {
                    "incident_id": n,
                    "key": "escalation:0",
                    "kind": "escalation",
                    "step_index": 0,
                    "due_at": opened + timedelta(minutes=15),
                    "state": "fired" if ack > opened + timedelta(minutes=15) else "cancelled",
                    "targets": [],
                    "data": {},
                }
            )
            for _ in range(ALERTS_PER_INCIDENT):
                alerts.append(_alert(rng, len(alerts), opened, n, incidents[-1]["tenant_id"]))
        for _ in range(UNTENANTED):
            when = NOW - timedelta(minutes=rng.randrange(DAYS * 24 * 60))
            alerts.append(_alert(rng, len(alerts), when, None, None))
        conn.execute(insert(Incident), incidents)
        conn.execute(insert(IntakeRevision), intakes)
        conn.execute(insert(Notification), notes)
        conn.execute(insert(ClockStep), steps)
        for start in range(0, len(alerts), 5_000):
            conn.execute(insert(AlertRecord), alerts[start : start + 5_000])
    engine.dispose()


def _alert(
    rng: random.Random, n: int, when: datetime, incident: int | None, tenant: str | None
) -> dict[str, object]:
    verdict = rng.choice([None, None, "true_positive", "false_positive"])
    return {
        "source": rng.choice(["alertmanager", "grafana", "datadog"]),
        "dedup_key": f"k{n}",
        "occurrence": when.isoformat(),
        "status": "resolved",
        "tenant": tenant,
        "signature_id": rng.choice(SIGNATURES),
        "disposition": "incident" if incident else "untenanted",
        "incident_id": incident,
        "alertname": f"Alert{rng.randrange(40)}",
        "labels": {},
        "summary": "",
        "description": "",
        "links": {},
        "raw": {},
        "starts_at": when - timedelta(minutes=2),
        "received_at": when,
        "verdict": verdict,
    }


async def measure(url: str) -> None:
    engine = create_engine_for(url)
    sessions = make_sessionmaker(engine)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        async with sessions() as session:
            report = await generate(session, Period.ending(NOW, timedelta(days=30)), NOW)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    markdown = render(report, "md")
    rendering = time.perf_counter() - started
    await engine.dispose()
    incidents = sum(t.current.incidents for t in report.tenants)
    print(f"report over 30 days: {incidents} incidents, {len(report.tenants)} tenants")
    print(f"generate: best {min(timings) * 1000:.0f} ms, worst {max(timings) * 1000:.0f} ms")
    print(f"markdown: {rendering * 1000:.1f} ms, {len(markdown):,} characters")


def main() -> None:
    if len(sys.argv) > 1:
        url = sys.argv[1]
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    started = time.perf_counter()
    fill(url)
    alerts = INCIDENTS * ALERTS_PER_INCIDENT + UNTENANTED
    took = time.perf_counter() - started
    print(f"filled {INCIDENTS:,} incidents and {alerts:,} alerts in {took:.1f} s")
    asyncio.run(measure(url))


if __name__ == "__main__":
    main()
