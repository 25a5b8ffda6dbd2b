"""Alerts grouped for review: by source and alertname, the occurrences of one alert rule
sharing a verdict and a calibration note (bot.incidents.review records them)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ingest.models import AlertRecord, Disposition, Verdict
from bot.playbooks import UNCLASSIFIED_ID

NO_ALERTNAME = ""  # alerts without an alertname group together under this key


class Calibration(StrEnum):
    """Why an alert was right or wrong, in words a team can act on."""

    FINE = "fine"
    THRESHOLD_TOO_TIGHT = "threshold_too_tight"
    THRESHOLD_TOO_LOOSE = "threshold_too_loose"
    WRONG_TENANT_MAPPING = "wrong_tenant_mapping"
    MISSING_TENANT = "missing_tenant"
    MISSING_SIGNATURE = "missing_signature"
    WRONG_SIGNATURE = "wrong_signature"
    FLAPPING = "flapping"
    DUPLICATE = "duplicate"
    PLANNED_WORK = "planned_work"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _CALIBRATION_LABELS[self]


_CALIBRATION_LABELS = {
    Calibration.FINE: "calibrated well",
    Calibration.THRESHOLD_TOO_TIGHT: "threshold too tight",
    Calibration.THRESHOLD_TOO_LOOSE: "threshold too loose (fired late)",
    Calibration.WRONG_TENANT_MAPPING: "wrong tenant mapping",
    Calibration.MISSING_TENANT: "missing tenant label",
    Calibration.MISSING_SIGNATURE: "missing failure signature",
    Calibration.WRONG_SIGNATURE: "wrong failure signature",
    Calibration.FLAPPING: "flapping",
    Calibration.DUPLICATE: "duplicate of another alert",
    Calibration.PLANNED_WORK: "planned work",
    Calibration.OTHER: "other",
}


def calibration_note(reason: Calibration | None, text: str | None) -> str | None:
    """The stored note: the reason's words, then the reviewer's own, e.g.
    "threshold too tight: fires at 1% errors, customers notice at 5%"."""
    text = (text or "").strip() or None
    if reason is None:
        return text
    return f"{reason.label}: {text}" if text else reason.label


@dataclass(frozen=True)
class GroupKey:
    source: str
    alertname: str  # NO_ALERTNAME when the alert carries none

    @property
    def label(self) -> str:
        return f"{self.alertname or '(no alertname)'} from {self.source}"


@dataclass(frozen=True)
class AlertGroup:
    key: GroupKey
    count: int
    unreviewed: int
    first_received: datetime
    last_received: datetime
    tenants: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()
    verdicts: dict[str, int] = field(default_factory=dict)  # verdict value -> alerts


@dataclass(frozen=True)
class GroupVerdict:
    key: GroupKey
    verdict: Verdict
    reason: Calibration | None = None
    note: str | None = None

    @property
    def calibration(self) -> str | None:
        return calibration_note(self.reason, self.note)


def triage_clause() -> ColumnElement[bool]:
    """The alerts reviewed in groups of their own: untenanted, non-key, attached to nothing,
    or unclassified (no playbook matched, though a key tenant's still opens an incident,
    whose review covers them too: whichever comes first records the verdict)."""
    return or_(
        AlertRecord.disposition != Disposition.INCIDENT,
        AlertRecord.incident_id.is_(None),
        AlertRecord.signature_id == UNCLASSIFIED_ID,
    )


def in_group(key: GroupKey) -> ColumnElement[bool]:
    name = (
        AlertRecord.alertname.is_(None)
        if key.alertname == NO_ALERTNAME
        else AlertRecord.alertname == key.alertname
    )
    return and_(AlertRecord.source == key.source, name)


async def _groups(session: AsyncSession, where: ColumnElement[bool]) -> list[AlertGroup]:
    rows = (
        await session.execute(
            select(
                AlertRecord.source,
                AlertRecord.alertname,
                AlertRecord.tenant,
                AlertRecord.signature_id,
                AlertRecord.verdict,
                AlertRecord.received_at,
            ).where(where)
        )
    ).all()
    grouped: dict[GroupKey, list[tuple[str | None, str | None, Verdict | None, datetime]]] = {}
    for source, alertname, tenant, signature, verdict, received in rows:
        key = GroupKey(source, alertname or NO_ALERTNAME)
        grouped.setdefault(key, []).append((tenant, signature, verdict, received))
    groups = []
    for key, items in grouped.items():
        times = [i[3] for i in items]
        verdicts = Counter(str(i[2]) for i in items if i[2] is not None)
        groups.append(
            AlertGroup(
                key=key,
                count=len(items),
                unreviewed=sum(1 for i in items if i[2] is None),
                first_received=min(times),
                last_received=max(times),
                tenants=tuple(sorted({i[0] for i in items if i[0]})),
                signatures=tuple(sorted({i[1] for i in items if i[1]})),
                verdicts=dict(verdicts),
            )
        )
    # Busiest first: the noisiest rule is the one worth fixing first.
    return sorted(groups, key=lambda g: (-g.count, g.key.alertname, g.key.source))


async def incident_alert_groups(session: AsyncSession, incident_id: int) -> list[AlertGroup]:
    return await _groups(session, AlertRecord.incident_id == incident_id)


async def unreviewed_triage_groups(session: AsyncSession) -> list[AlertGroup]:
    """Groups of untenanted, non-key and unclassified alerts with alerts still unreviewed."""
    groups = await _groups(session, and_(triage_clause(), AlertRecord.verdict.is_(None)))
    return groups


async def count_unreviewed_alerts(session: AsyncSession) -> int:
    stmt = (
        select(func.count())
        .select_from(AlertRecord)
        .where(triage_clause(), AlertRecord.verdict.is_(None))
    )
    return int(await session.scalar(stmt) or 0)
