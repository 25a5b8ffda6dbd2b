"""The pure parts of the reports: percentiles, per-incident rules, formatting, Markdown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.incidents.models import DetectedBy
from bot.reports.command import period_for
from bot.reports.figures import IncidentFacts, Measure, SloOutcome, compute
from bot.reports.formatting import duration, signed, signed_duration
from bot.reports.markdown import from_slack, one_line
from bot.reports.report import Period
from bot.reports.stats import quantile

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def facts(**changes: object) -> IncidentFacts:
    values: dict[str, object] = {
        "id": 1,
        "tenant_id": "contoso",
        "signature_id": "api-errors",
        "signature_title": "API errors",
        "detected_by": DetectedBy.MONITORING,
        "opened_at": T0,
        "response_deadline": T0 + timedelta(minutes=10),
    }
    values.update(changes)
    return IncidentFacts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([], 0.5, None),
        ([7.0], 0.5, 7.0),
        ([7.0], 0.9, 7.0),
        ([1.0, 2.0], 0.5, 1.5),
        ([3.0, 1.0, 2.0], 0.5, 2.0),
        ([10.0, 20.0, 30.0, 40.0], 0.9, 37.0),  # h = 2.7: 30 + 0.7 * 10
        ([0.0, 4.0, 12.0], 0.9, 10.4),
    ],
)
def test_quantiles_interpolate_between_closest_ranks(
    values: list[float], p: float, expected: float | None
) -> None:
    result = quantile(values, p)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_quantile_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        quantile([1.0], 1.5)


def test_an_incident_that_only_opened() -> None:
    figures = compute(facts(), T0 + timedelta(minutes=5))
    assert figures.times == {m: None for m in Measure}
    assert figures.slo == SloOutcome.PENDING
    assert figures.ongoing and figures.impact == timedelta(minutes=5)  # from opening: no start
    assert compute(facts(), T0 + timedelta(minutes=11)).slo == SloOutcome.BREACHED


def test_detection_uses_the_intake_then_the_alert_and_never_goes_negative() -> None:
    alert = facts(first_alert_start=T0 - timedelta(minutes=3))
    assert compute(alert, T0).times[Measure.DETECT] == timedelta(minutes=3)
    intake = facts(
        first_alert_start=T0 - timedelta(minutes=3), impact_start=T0 - timedelta(hours=1)
    )
    assert compute(intake, T0).times[Measure.DETECT] == timedelta(hours=1)
    early = facts(impact_start=T0 + timedelta(minutes=2))  # the alert fired before the impact
    assert compute(early, T0).times[Measure.DETECT] == timedelta(0)


def test_customer_reports_are_detected_when_the_customer_reported() -> None:
    report = facts(
        detected_by=DetectedBy.CUSTOMER,
        impact_start=T0 - timedelta(hours=2),
        customer_reported_at=T0 - timedelta(minutes=30),
    )
    figures = compute(report, T0)
    assert figures.times[Measure.DETECT] == timedelta(minutes=90)
    assert figures.detected_by == DetectedBy.CUSTOMER


def test_resolved_without_mitigation_was_mitigated_at_the_resolve() -> None:
    done = facts(
        acknowledged_at=T0 + timedelta(minutes=10),  # at the deadline: still met
        resolved_at=T0 + timedelta(minutes=45),
        first_alert_start=T0 - timedelta(minutes=5),
    )
    figures = compute(done, T0 + timedelta(days=1))
    assert figures.times[Measure.MITIGATE] == figures.times[Measure.RESOLVE]
    assert figures.slo == SloOutcome.MET
    assert not figures.ongoing and figures.impact == timedelta(minutes=50)
    with_end = facts(impact_end=T0 + timedelta(minutes=20), resolved_at=T0 + timedelta(hours=1))
    assert compute(with_end, T0).impact == timedelta(minutes=20)


def test_periods_are_open_at_the_start_and_closed_at_the_end() -> None:
    period = Period.ending(T0, timedelta(days=1))
    assert T0 in period and period.since not in period
    assert period.since in period.previous()
    assert period_for("30d", "2026-02-01", T0) == Period(
        datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    )
    assert period_for("2026-01-01", None, T0) == Period(datetime(2026, 1, 1, tzinfo=UTC), T0)
    with pytest.raises(ValueError, match="time zone"):
        period_for("30d", "2026-02-01T00:00:00", T0)
    with pytest.raises(ValueError, match="before"):
        period_for("2026-03-01", "2026-02-01", T0)


def test_durations_and_changes_read_well() -> None:
    assert duration(None) == "–"
    assert duration(timedelta(seconds=45.4)) == "45s"
    assert duration(timedelta(minutes=12, seconds=30)) == "12m 30s"
    assert duration(timedelta(hours=1, minutes=5)) == "1h 05m"
    assert duration(timedelta(days=2, hours=3)) == "2d 03h"
    assert signed(2) == "+2" and signed(-33.3, " pp") == "−33.3 pp" and signed(0) == "±0"
    assert signed_duration(timedelta(minutes=-4)) == "−4m 00s"


def test_slack_markup_becomes_markdown() -> None:
    text = (
        "<@U1> asked <@U2|ana> in <#C1|incident-1> (<!here>) to see "
        "<https://grafana.example/d/1|the dashboard> at <!date^1767603600^{time}|09:00 UTC>: "
        "5xx &gt; 2% &amp; rising"
    )
    assert from_slack(text) == (
        "@U1 asked @ana in #incident-1 (@here) to see "
        "[the dashboard](https://grafana.example/d/1) at 09:00 UTC: 5xx > 2% & rising"
    )
    assert one_line("a |\n b") == "a \\| b"
