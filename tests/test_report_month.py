"""Done when: a month of incidents, built through the real services with fixed times, and
every figure of the report checked against values worked out by hand below.

The month (report period 2026-01-02 00:00 to 2026-02-01 00:00 UTC, "now" = its end; the
previous period runs from 2025-12-03):

contoso (response SLO 10m)
  P1  Dec 01 10:00 identity-login-failures, monitoring. Before the previous period; only
      there to show that 35 days apart is not a repeat (C1).
  P2  Dec 20 12:00 api-latency, monitoring. Alert from 11:50, ack 12:08, resolved 12:38.
      previous period: TTD 10m, TTA 8m, TTM=TTR 38m, SLO met, impact 48 min.
  C1  Jan 05 10:00 identity-login-failures, monitoring. Alerts from 09:55 and 09:57, ack
      10:04, first message delivered 10:20 (another 11:05), mitigated 10:40, resolved
      11:00.  TTD 5m, TTA 4m (met), TTC 20m, TTM 40m, TTR 60m, impact 09:55-10:40 = 45.
  C2  Jan 20 14:00 identity-login-failures, monitoring; a repeat of C1 (15 days). Intake
      says impact 13:50-15:00; escalation 0 fired at the 14:10 deadline; ack 14:12;
      resolved 15:30 without a mitigation step; no customer message.
      TTD 10m, TTA 12m (breached), TTC -, TTM=TTR 90m, impact 70.
  C3  Jan 25 08:00 api-errors, declared from a customer report made at 07:55 (deadline
      08:05, acknowledged by the declarer at 08:00). Intake: impact from 03:30. Message
      08:30, mitigated 09:00, resolved 09:30 (not reviewed).
      TTD 07:55-03:30 = 265m, TTA 0, TTC 30m, TTM 60m, TTR 90m, impact 330.
fabrikam (SLO 15m)
  F1  Jan 10 09:00 identity-login-failures. Alert from 08:58; escalation fired 09:15; ack
      09:20; message 09:45; mitigated 09:50; resolved 10:00.
      TTD 2m, TTA 20m (breached), TTC 45m, TTM 50m, TTR 60m, impact 52.
  F2  Jan 31 23:55 search-latency. Alert from 23:50, not acknowledged (deadline 00:10
      is after "now"): SLO pending, impact ongoing 23:50-00:00 = 10.
northwind: nothing.

Alerts reviewed in the period: C1 2x TenantLoginSuccessRateLow/alertmanager true; C2
LoginErrorRateHigh/grafana true and TenantLoginSuccessRateLow/alertmanager false; F1
TenantLoginSuccessRateLow/alertmanager false; a non-key tenant's (tailspin)
TenantLoginSuccessRateLow/alertmanager false. Not counted: P2's false positive (December).
Unreviewed: F2's alert (an incident's, not yet resolved), and the triage alerts DiskFull x2
(alertmanager, untenanted) and HighCPU (datadog, untenanted).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config.loader import Domain, load_domain
from bot.db import create_engine_for, make_sessionmaker
from bot.incidents import resolution, review
from bot.incidents import service as incidents
from bot.incidents.models import ClockStep, DetectedBy, Incident, StepState
from bot.incidents.review import GroupKey, GroupVerdict
from bot.ingest.alert import AlertStatus
from bot.ingest.models import AlertRecord, Disposition, Verdict
from bot.intake.models import IntakeRevision
from bot.notifications.models import MessageKind, Notification, NotificationStatus
from bot.reports import render
from bot.reports.render_data import as_dict
from bot.reports.report import Period, Report, generate
from bot.tenants.service import sync_tenants
from tests.conftest import PLAYBOOKS, TEST_CONFIG

UNTIL = datetime(2026, 2, 1, tzinfo=UTC)
PERIOD = Period.ending(UNTIL, timedelta(days=30))
ONCALL = "U0ONCALL1"
LOGIN = "identity-login-failures"
TSR = GroupKey("alertmanager", "TenantLoginSuccessRateLow")
LER = GroupKey("grafana", "LoginErrorRateHigh")


def at(month: int, day: int, hour: int, minute: int) -> datetime:
    year = 2025 if month == 12 else 2026
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine_for(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
def domain() -> Domain:
    return load_domain(TEST_CONFIG, PLAYBOOKS)


@dataclass
class Month:
    session: AsyncSession
    domain: Domain
    alerts: int = 0

    async def open(
        self, tenant: str, signature: str, now: datetime, *alerts: tuple[str, str, datetime]
    ) -> Incident:
        opened = await incidents.open_or_get(
            self.session,
            self.domain.config,
            tenant_id=tenant,
            playbook=self.domain.playbooks.get(signature),
            detected_by=DetectedBy.MONITORING,
            now=now,
            title=f"{signature} for {tenant}",
        )
        for source, alertname, starts in alerts:
            self.alert(
                source,
                alertname,
                starts,
                received=now,
                tenant=tenant,
                signature=signature,
                incident=opened.incident,
            )
        await self.session.flush()
        return opened.incident

    def alert(
        self,
        source: str,
        alertname: str,
        starts: datetime,
        *,
        received: datetime,
        tenant: str | None,
        signature: str | None,
        incident: Incident | None = None,
        disposition: Disposition = Disposition.INCIDENT,
        verdict: Verdict | None = None,
    ) -> None:
        self.alerts += 1
        self.session.add(
            AlertRecord(
                source=source,
                dedup_key=f"{alertname}-{self.alerts}",
                occurrence=starts.isoformat(),
                status=AlertStatus.FIRING,
                tenant=tenant,
                signature_id=signature,
                disposition=disposition if incident is None else Disposition.INCIDENT,
                incident_id=incident.id if incident else None,
                alertname=alertname,
                labels={"alertname": alertname},
                starts_at=starts,
                received_at=received,
                verdict=verdict,
                reviewed_by=ONCALL if verdict else None,
                reviewed_at=received if verdict else None,
            )
        )

    async def ack(self, incident: Incident, now: datetime) -> None:
        assert await incidents.acknowledge(self.session, incident, user=ONCALL, now=now)

    async def fire_escalation(self, incident: Incident, when: datetime) -> None:
        # What the scheduler does at the deadline: the deadline and the first escalation fire.
        steps = await self.session.scalars(
            select(ClockStep).where(
                ClockStep.incident_id == incident.id,
                ClockStep.key.in_(["deadline", "escalation:0"]),
            )
        )
        for step in steps.all():
            step.state, step.fired_at = StepState.FIRED, when

    def message(self, incident: Incident, kind: MessageKind, delivered: datetime) -> None:
        self.session.add(
            Notification(
                incident_id=incident.id,
                kind=kind,
                status=NotificationStatus.DELIVERED,
                revision=1,
                created_at=delivered - timedelta(minutes=5),
                approved_by="U0CSAMCONTOSO",
                approved_at=delivered,
                delivered_at=delivered,
            )
        )

    def intake(self, incident: Incident, when: datetime, **fields: datetime) -> None:
        self.session.add(
            IntakeRevision(incident_id=incident.id, revision=1, created_at=when, **fields)
        )

    async def mitigate(self, incident: Incident, now: datetime) -> None:
        await resolution.mitigate(self.session, incident, user=ONCALL, now=now)

    async def resolve(self, incident: Incident, now: datetime) -> None:
        await resolution.resolve(self.session, self.domain, incident, user=ONCALL, now=now)

    async def review(self, incident: Incident, now: datetime, *verdicts: GroupVerdict) -> None:
        await review.review_incident(
            self.session,
            self.domain.config,
            incident,
            user=ONCALL,
            now=now,
            verdicts=list(verdicts),
        )


async def build_month(session: AsyncSession, domain: Domain) -> None:
    await sync_tenants(session, domain.config, at(12, 1, 0, 0))
    m = Month(session, domain)

    p1 = await m.open(
        "contoso", LOGIN, at(12, 1, 10, 0), ("alertmanager", TSR.alertname, at(12, 1, 9, 58))
    )
    await m.ack(p1, at(12, 1, 10, 5))
    await m.resolve(p1, at(12, 1, 10, 30))

    p2 = await m.open("contoso", "api-latency", at(12, 20, 12, 0))
    m.alert(
        "alertmanager",
        "ApiLatencyHigh",
        at(12, 20, 11, 50),
        received=at(12, 20, 12, 0),
        tenant="contoso",
        signature="api-latency",
        incident=p2,
        verdict=Verdict.FALSE_POSITIVE,
    )
    await m.ack(p2, at(12, 20, 12, 8))
    await m.resolve(p2, at(12, 20, 12, 38))

    c1 = await m.open(
        "contoso",
        LOGIN,
        at(1, 5, 10, 0),
        ("alertmanager", TSR.alertname, at(1, 5, 9, 55)),
        ("alertmanager", TSR.alertname, at(1, 5, 9, 57)),
    )
    await m.ack(c1, at(1, 5, 10, 4))
    m.message(c1, MessageKind.INITIAL, at(1, 5, 10, 20))
    await m.mitigate(c1, at(1, 5, 10, 40))
    await m.resolve(c1, at(1, 5, 11, 0))
    m.message(c1, MessageKind.RESOLVED, at(1, 5, 11, 5))
    await m.review(c1, at(1, 6, 9, 0), GroupVerdict(TSR, Verdict.TRUE_POSITIVE))

    f1 = await m.open(
        "fabrikam", LOGIN, at(1, 10, 9, 0), ("alertmanager", TSR.alertname, at(1, 10, 8, 58))
    )
    await m.fire_escalation(f1, at(1, 10, 9, 15))
    await m.ack(f1, at(1, 10, 9, 20))
    m.message(f1, MessageKind.INITIAL, at(1, 10, 9, 45))
    await m.mitigate(f1, at(1, 10, 9, 50))
    await m.resolve(f1, at(1, 10, 10, 0))
    await m.review(f1, at(1, 11, 9, 0), GroupVerdict(TSR, Verdict.FALSE_POSITIVE))

    c2 = await m.open(
        "contoso",
        LOGIN,
        at(1, 20, 14, 0),
        ("grafana", LER.alertname, at(1, 20, 13, 58)),
        ("alertmanager", TSR.alertname, at(1, 20, 13, 58)),
    )
    m.intake(c2, at(1, 20, 14, 20), impact_start=at(1, 20, 13, 50), impact_end=at(1, 20, 15, 0))
    await m.fire_escalation(c2, at(1, 20, 14, 10))
    await m.ack(c2, at(1, 20, 14, 12))
    await m.resolve(c2, at(1, 20, 15, 30))
    await m.review(
        c2,
        at(1, 21, 9, 0),
        GroupVerdict(LER, Verdict.TRUE_POSITIVE),
        GroupVerdict(TSR, Verdict.FALSE_POSITIVE),
    )

    c3 = (
        await incidents.open_customer_reported(
            session,
            domain.config,
            tenant_id="contoso",
            playbook=domain.playbooks.get("api-errors"),
            reported_at=at(1, 25, 7, 55),
            declarer=ONCALL,
            now=at(1, 25, 8, 0),
            title="Customer reports API errors",
        )
    ).incident
    m.intake(c3, at(1, 25, 8, 10), impact_start=at(1, 25, 3, 30))
    m.message(c3, MessageKind.INITIAL, at(1, 25, 8, 30))
    await m.mitigate(c3, at(1, 25, 9, 0))
    await m.resolve(c3, at(1, 25, 9, 30))

    await m.open(
        "fabrikam",
        "search-latency",
        at(1, 31, 23, 55),
        ("datadog", "SearchLatencyHigh", at(1, 31, 23, 50)),
    )

    for n, (name, source, signature) in enumerate(
        [
            ("DiskFull", "alertmanager", None),
            ("DiskFull", "alertmanager", None),
            ("HighCPU", "datadog", "unclassified"),
        ]
    ):
        m.alert(
            source,
            name,
            at(1, 12 + n, 3, 0),
            received=at(1, 12 + n, 3, 0),
            tenant=None,
            signature=signature,
            disposition=Disposition.UNTENANTED,
        )
    m.alert(
        "alertmanager",
        TSR.alertname,
        at(1, 15, 6, 0),
        received=at(1, 15, 6, 0),
        tenant="tailspin",
        signature=LOGIN,
        disposition=Disposition.NON_KEY,
    )
    await session.flush()
    reviewed = await review.review_alert_group(
        session,
        domain.config,
        domain.playbooks,
        GroupVerdict(TSR, Verdict.FALSE_POSITIVE, review.Calibration.WRONG_TENANT_MAPPING),
        user=ONCALL,
        now=at(1, 16, 9, 0),
    )
    assert reviewed == 1
    await session.commit()


async def month_report(
    sessions: async_sessionmaker[AsyncSession], domain: Domain, tenant: str | None = None
) -> Report:
    async with sessions() as session:
        await build_month(session, domain)
    async with sessions() as session:
        return await generate(session, PERIOD, UNTIL, tenant)


def _times(ttd, tta, ttc, ttm, ttr):  # type: ignore[no-untyped-def]
    names = [
        "time_to_detect",
        "time_to_acknowledge",
        "time_to_first_message",
        "time_to_mitigate",
        "time_to_resolve",
    ]
    return {
        name: {"median": m, "p90": p, "count": n}
        for name, (m, p, n) in zip(names, (ttd, tta, ttc, ttm, ttr), strict=True)
    }


NO_TIMES = _times(*[(None, None, 0)] * 5)


async def test_every_figure_of_a_month(
    sessions: async_sessionmaker[AsyncSession], domain: Domain
) -> None:
    data = as_dict(await month_report(sessions, domain))

    assert data["period"] == {
        "since": "2026-01-02T00:00:00+00:00",
        "until": "2026-02-01T00:00:00+00:00",
    }
    assert data["previous_period"]["since"] == "2025-12-03T00:00:00+00:00"
    contoso, fabrikam, northwind = data["tenants"]
    assert [contoso["id"], fabrikam["id"], northwind["id"]] == ["contoso", "fabrikam", "northwind"]

    # contoso: C1, C2, C3.
    assert contoso["name"] == "Contoso Ltd"
    assert contoso["incidents"] == 3
    assert contoso["detected_automatically"] == 2
    assert contoso["automatic_share"] == pytest.approx(2 / 3)
    assert contoso["times"] == _times(
        (600, 12840, 3),  # detect 5m, 10m, 265m: median 10m; p90 10m + 0.8 * 255m = 214m
        (240, 624, 3),  # acknowledge 0, 4m, 12m: p90 4m + 0.8 * 8m = 10m 24s
        (1500, 1740, 2),  # first message 20m, 30m: median 25m; p90 20m + 0.9 * 10m = 29m
        (3600, 5040, 3),  # mitigate 40m, 60m, 90m: p90 60m + 0.8 * 30m = 84m
        (5400, 5400, 3),  # resolve 60m, 90m, 90m
    )
    assert contoso["slo"] == {"met": 2, "breached": 1, "attainment": pytest.approx(2 / 3)}
    assert contoso["escalations"] == 1
    assert contoso["customer_messages"] == 3
    assert contoso["repeat_incidents"] == 1  # C2 repeats C1; C1 is 35 days after P1
    assert contoso["impact_minutes"] == 445  # 45 + 70 + 330

    # ... against the previous period: P2 alone (P1 opened before it began).
    previous = contoso["previous"]
    assert previous["incidents"] == 1 and previous["automatic_share"] == 1.0
    assert previous["times"] == _times(
        (600, 600, 1), (480, 480, 1), (None, None, 0), (2280, 2280, 1), (2280, 2280, 1)
    )
    assert previous["slo"] == {"met": 1, "breached": 0, "attainment": 1.0}
    assert (previous["escalations"], previous["customer_messages"]) == (0, 0)
    assert (previous["repeat_incidents"], previous["impact_minutes"]) == (0, 48)
    assert contoso["change"] == {
        "incidents": 2,
        "automatic_share_points": -33.3,  # 67% against 100%
        "slo_attainment_points": -33.3,
        "escalations": 1,
        "customer_messages": 3,
        "repeat_incidents": 1,
        "times": {
            "time_to_detect": {"median": 0, "p90": 12240},
            "time_to_acknowledge": {"median": -240, "p90": 144},
            "time_to_first_message": {"median": None, "p90": None},
            "time_to_mitigate": {"median": 1320, "p90": 2760},
            "time_to_resolve": {"median": 3120, "p90": 3120},
        },
    }

    # fabrikam: F1, and F2 still within its response SLO.
    assert fabrikam["incidents"] == 2
    assert fabrikam["detected_automatically"] == 2 and fabrikam["automatic_share"] == 1.0
    assert fabrikam["times"] == _times(
        (210, 282, 2),  # detect 2m, 5m: median 3m 30s; p90 2m + 0.9 * 3m = 4m 42s
        (1200, 1200, 1),
        (2700, 2700, 1),
        (3000, 3000, 1),
        (3600, 3600, 1),
    )
    assert fabrikam["slo"] == {"met": 0, "breached": 1, "attainment": 0.0}  # F2 pending
    assert (fabrikam["escalations"], fabrikam["customer_messages"]) == (1, 1)
    assert fabrikam["repeat_incidents"] == 0
    assert fabrikam["impact_minutes"] == 62  # 52 + 10 (F2 ongoing until now)
    assert fabrikam["previous"]["incidents"] == 0
    assert fabrikam["previous"]["times"] == NO_TIMES
    assert fabrikam["change"] == {
        "incidents": 2,
        "automatic_share_points": None,  # no share to compare with
        "slo_attainment_points": None,
        "escalations": 1,
        "customer_messages": 1,
        "repeat_incidents": 0,
        "times": {name: {"median": None, "p90": None} for name in NO_TIMES},
    }

    # northwind: a key tenant with nothing to report is still listed.
    assert northwind["incidents"] == 0 and northwind["automatic_share"] is None
    assert northwind["times"] == NO_TIMES
    assert northwind["slo"] == {"met": 0, "breached": 0, "attainment": None}
    assert (northwind["escalations"], northwind["customer_messages"]) == (0, 0)
    assert (northwind["repeat_incidents"], northwind["impact_minutes"]) == (0, 0)
    assert northwind["change"]["incidents"] == 0

    # The widest problem first: identity hit two tenants; api-errors hurt longer but one.
    assert data["signatures"] == [
        {
            "rank": 1,
            "id": LOGIN,
            "title": "Identity login failures",
            "tenants_affected": 2,
            "tenants": ["contoso", "fabrikam"],
            "incidents": 3,
            "impact_minutes": 167,  # 45 + 70 + 52
        },
        {
            "rank": 2,
            "id": "api-errors",
            "title": domain.playbooks.get("api-errors").title,
            "tenants_affected": 1,
            "tenants": ["contoso"],
            "incidents": 1,
            "impact_minutes": 330,
        },
        {
            "rank": 3,
            "id": "search-latency",
            "title": domain.playbooks.get("search-latency").title,
            "tenants_affected": 1,
            "tenants": ["fabrikam"],
            "incidents": 1,
            "impact_minutes": 10,
        },
    ]

    fp = data["false_positives"]
    assert fp["signature"] == [
        {"value": LOGIN, "reviewed": 6, "false_positives": 3, "rate": 0.5},
    ]
    assert fp["alertname"] == [
        {"value": "TenantLoginSuccessRateLow", "reviewed": 5, "false_positives": 3, "rate": 0.6},
        {"value": "LoginErrorRateHigh", "reviewed": 1, "false_positives": 0, "rate": 0.0},
    ]
    assert fp["source"] == [
        {"value": "alertmanager", "reviewed": 5, "false_positives": 3, "rate": 0.6},
        {"value": "grafana", "reviewed": 1, "false_positives": 0, "rate": 0.0},
    ]
    assert data["unreviewed"] == {"incidents": 1, "alerts": 3, "alert_groups": 2}


async def test_one_tenant_and_the_three_formats(
    sessions: async_sessionmaker[AsyncSession], domain: Domain
) -> None:
    report = await month_report(sessions, domain, tenant="fabrikam")
    data = as_dict(report)
    assert [t["id"] for t in data["tenants"]] == ["fabrikam"]
    assert [s["id"] for s in data["signatures"]] == [LOGIN, "search-latency"]
    assert data["signatures"][0]["tenants"] == ["fabrikam"]
    # Only fabrikam's alerts: F1's false positive (F2's is unreviewed).
    assert data["false_positives"]["source"] == [
        {"value": "alertmanager", "reviewed": 1, "false_positives": 1, "rate": 1.0}
    ]
    assert data["unreviewed"] == {"incidents": 0, "alerts": 0, "alert_groups": 0}

    assert json.loads(render(report, "json")) == data

    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    cell = {(r["section"], r["subject"], r["metric"]): (r["value"], r["previous"]) for r in rows}
    assert cell[("tenant", "fabrikam", "incidents")] == ("2", "0")
    assert cell[("tenant", "fabrikam", "time_to_detect_median_seconds")] == ("210", "")
    assert cell[("tenant", "fabrikam", "time_to_detect_p90_seconds")] == ("282", "")
    assert cell[("tenant", "fabrikam", "slo_attainment")] == ("0", "")
    assert cell[("signature", LOGIN, "rank")] == ("1", "")
    assert cell[("false_positive_source", "alertmanager", "rate")] == ("1", "")
    assert cell[("unreviewed", "fabrikam", "incidents")] == ("0", "")

    markdown = render(report, "md")
    assert markdown.startswith("# Reliability report for tenant `fabrikam`")
    assert "| Fabrikam Inc (`fabrikam`) | 2 (+2) | 100% (–) | 0/1 (0%) (–) | 1 (+1) |" in markdown
    assert "| time to detect | 3m 30s | 4m 42s | 2 | – | – |" in markdown
    assert (
        "| 1 | Identity login failures (`identity-login-failures`) | 1 (fabrikam) | 1 | 52 |"
        in (markdown)
    )
    assert "- 0 resolved incidents await their review." in markdown


async def test_crebot_report_command_reads_the_database(
    sessions: async_sessionmaker[AsyncSession],
    domain: Domain,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio

    from bot import cli

    async with sessions() as session:
        await build_month(session, domain)
    monkeypatch.setenv("CREBOT_DATABASE_URL", database_url)
    argv = ["report", "--since", "30d", "--until", "2026-02-01", "--format", "json"]
    assert await asyncio.to_thread(cli.main, argv) == 0
    data = json.loads(capsys.readouterr().out)
    contoso = data["tenants"][0]
    # The command's own clock is the real one: figures that do not depend on "now" agree.
    assert (contoso["id"], contoso["incidents"], contoso["repeat_incidents"]) == ("contoso", 3, 1)
    assert contoso["times"]["time_to_detect"] == {"median": 600, "p90": 12840, "count": 3}
    assert data["signatures"][0]["id"] == LOGIN

    argv = ["report", "--since", "2026-01-02", "--until", "2026-02-01", "--tenant", "contoso"]
    assert await asyncio.to_thread(cli.main, [*argv, "--format", "csv"]) == 0
    assert "tenant,contoso,incidents,3,1" in capsys.readouterr().out.splitlines()
    assert await asyncio.to_thread(cli.main, ["report", "--since", "soon"]) == 2
    assert "neither a date nor" in capsys.readouterr().err
