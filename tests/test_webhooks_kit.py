"""Helpers for the webhook, API and triage tests: bodies as the tools send them, and state.

(No tests here; the name keeps it among the webhook test files.)
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.incidents.models import Incident, TimelineEntry
from bot.ingest.models import AlertRecord
from bot.outbox.models import OutboxOp
from bot.runtime import Runtime
from tests.harness import API_TOKEN, WEBHOOK_TOKEN, running_app

PAYLOADS = Path(__file__).parent / "ingest" / "payloads"
HOOK = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
API = {"Authorization": f"Bearer {API_TOKEN}"}


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def am_alert(
    tenant: str | None,
    alertname: str = "TenantLoginSuccessRateLow",
    *,
    fingerprint: str | None = None,
    status: str = "firing",
    starts: str = "2026-03-14T10:00:00Z",
    ends: str = "0001-01-01T00:00:00Z",
    summary: str | None = None,
    description: str = "",
    **labels: str,
) -> dict[str, Any]:
    """One Alertmanager alert as its webhook sends it (Go's zero endsAt while firing)."""
    all_labels = {"alertname": alertname, "severity": "critical", **labels}
    if tenant is not None:
        all_labels["tenant"] = tenant
    return {
        "status": status,
        "labels": all_labels,
        "annotations": {
            "summary": summary or f"{alertname} for {tenant or 'all tenants'}",
            "description": description,
        },
        "startsAt": starts,
        "endsAt": ends,
        "generatorURL": "https://prometheus.example/graph?g0.expr=up",
        "fingerprint": fingerprint or f"fp-{tenant}-{alertname}",
    }


def am_body(*alerts: dict[str, Any]) -> dict[str, Any]:
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return {
        "receiver": "crebot",
        "status": status,
        "alerts": list(alerts),
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "https://alertmanager.example",
        "version": "4",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
    }


def resolved(alert: dict[str, Any], ends: str = "2026-03-14T10:30:00Z") -> dict[str, Any]:
    return {**alert, "status": "resolved", "endsAt": ends}


@dataclass
class Crebot:
    runtime: Runtime
    http: httpx.AsyncClient
    clock: FakeClock

    async def post(
        self, source: str, body: Any, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        content: Any
        if isinstance(body, bytes | str):
            content = body.encode() if isinstance(body, str) else body
        elif hasattr(body, "__aiter__"):  # streamed, so sent without a Content-Length
            content = body
        else:
            content = json.dumps(body, ensure_ascii=False).encode()
        merged = {"Content-Type": "application/json", **HOOK, **(headers or {})}
        return await self.http.post(
            f"/webhooks/{source}", content=content, headers=merged, **kwargs
        )

    async def accepted(self, source: str, body: Any) -> dict[str, Any]:
        answer = await self.post(source, body)
        assert answer.status_code == 202, answer.text
        return answer.json()  # type: ignore[no-any-return]

    async def alerts(self) -> list[AlertRecord]:
        async with self.runtime.sessions() as session:
            return list((await session.scalars(select(AlertRecord).order_by(AlertRecord.id))).all())

    async def incidents(self) -> list[Incident]:
        async with self.runtime.sessions() as session:
            return list((await session.scalars(select(Incident).order_by(Incident.id))).all())

    async def timeline(self, incident_id: int) -> list[TimelineEntry]:
        async with self.runtime.sessions() as session:
            stmt = (
                select(TimelineEntry)
                .where(TimelineEntry.incident_id == incident_id)
                .order_by(TimelineEntry.id)
            )
            return list((await session.scalars(stmt)).all())

    async def ops(self, kind: str | None = None) -> list[OutboxOp]:
        async with self.runtime.sessions() as session:
            stmt = select(OutboxOp).order_by(OutboxOp.id)
            if kind is not None:
                stmt = stmt.where(OutboxOp.kind == kind)
            return list((await session.scalars(stmt)).all())

    async def counts(self) -> dict[str, int]:
        """Rows per table that ingestion writes: equal before and after means nothing changed."""
        found = {}
        async with self.runtime.sessions() as session:
            for model in (AlertRecord, Incident, TimelineEntry, OutboxOp):
                found[model.__tablename__] = int(
                    await session.scalar(select(func.count()).select_from(model)) or 0
                )
        return found


@asynccontextmanager
async def crebot(database_url: str, clock: FakeClock, **overrides: Any) -> AsyncIterator[Crebot]:
    """The real app without Slack (its work stays queued), reached over ASGI."""
    async with running_app(database_url, clock, slack=None, **overrides) as (_app, runtime, http):
        yield Crebot(runtime, http, clock)
