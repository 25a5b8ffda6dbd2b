"""crebot's own generic webhook body."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.errors import PayloadError
from bot.ingest.alert import AlertProblem, AlertStatus, ParsedBatch

Load = Callable[[str], dict[str, Any]]
Deliver = Callable[..., ParsedBatch]


def test_a_batch(load: Load, deliver: Deliver) -> None:
    batch = deliver("generic", load("generic_batch.json"))
    assert batch.problems == []
    contoso, fabrikam = batch.alerts
    assert (contoso.dedup_key, contoso.status, contoso.tenant) == (
        "synthetic-login-contoso",
        AlertStatus.FIRING,
        "contoso",
    )
    assert contoso.starts_at == datetime(2026, 3, 14, 10, 0, tzinfo=UTC)  # from +05:30
    assert contoso.ends_at is None
    assert contoso.labels == {
        "alertname": "SyntheticLoginFailing",
        "probe": "ams-1",
        "attempts": "3",
        "critical": "true",
    }
    assert contoso.links == {"source": "https://synthetics.example/checks/login-contoso"}
    assert contoso.summary == "Synthetic login for contoso failing from ams-1"
    # The tenant may come from the labels; the summary falls back to the alert name.
    assert (fabrikam.status, fabrikam.tenant) == (AlertStatus.RESOLVED, "fabrikam")
    assert fabrikam.summary == "SyntheticLoginFailing"
    assert fabrikam.description == ""
    assert fabrikam.ends_at == datetime(2026, 3, 14, 9, 20, 0, 500000, tzinfo=UTC)
    assert fabrikam.raw == load("generic_batch.json")["alerts"][1]


def test_the_tenant_field_wins_over_the_label(deliver: Deliver) -> None:
    body = {"alerts": [{"id": "1", "status": "firing", "tenant": "a", "labels": {"tenant": "b"}}]}
    assert deliver("generic", body).alerts[0].tenant == "a"


def test_only_id_and_status_are_needed(deliver: Deliver) -> None:
    (alert,) = deliver("generic", {"alerts": [{"id": 4711, "status": "firing"}]}).alerts
    assert (alert.dedup_key, alert.tenant, alert.summary, alert.labels) == (
        "4711",
        None,
        "4711",
        {},
    )
    assert alert.starts_at is None


def test_two_good_alerts_and_one_bad(load: Load, deliver: Deliver) -> None:
    payload = load("generic_batch.json")
    payload["alerts"].insert(1, {"id": "bad", "status": "firing", "starts_at": "14/03/2026"})
    batch = deliver("generic", payload)
    assert [a.dedup_key for a in batch.alerts] == [
        "synthetic-login-contoso",
        "synthetic-login-fabrikam",
    ]
    assert batch.problems == [
        AlertProblem(1, "alerts[1].starts_at", "not an RFC 3339 time (got '14/03/2026')")
    ]


@pytest.mark.parametrize(
    ("alert", "field", "words"),
    [
        ({"status": "firing"}, "alerts[0].id", "required"),
        ({"id": "", "status": "firing"}, "alerts[0].id", "must not be empty"),
        ({"id": True, "status": "firing"}, "alerts[0].id", "must be a string, not a boolean"),
        ({"id": "x"}, "alerts[0].status", "required"),
        ({"id": "x", "status": "ok"}, "alerts[0].status", "must be 'firing' or 'resolved'"),
        ({"id": "x", "status": "firing", "labels": []}, "alerts[0].labels", "must be an object"),
        ({"id": "x", "status": "firing", "tenant": 7}, "alerts[0].tenant", "must be a string"),
        ({"id": "x", "status": "firing", "ends_at": 5}, "alerts[0].ends_at", "RFC 3339"),
    ],
)
def test_per_alert_problems(
    alert: dict[str, Any], field: str, words: str, deliver: Deliver
) -> None:
    batch = deliver("generic", {"alerts": [alert]})
    assert batch.alerts == []
    (problem,) = batch.problems
    assert (problem.index, problem.field) == (0, field)
    assert words in problem.message


def test_several_problems_in_one_alert_are_all_named(deliver: Deliver) -> None:
    (problem,) = deliver("generic", {"alerts": [{"id": 1.5, "status": "x"}]}).problems
    assert problem.field == "alerts[0].id"
    assert "alerts[0].status: must be 'firing' or 'resolved'" in problem.message


def test_wrong_envelope(deliver: Deliver) -> None:
    with pytest.raises(PayloadError) as info:
        deliver("generic", {"alerts": {"id": "x", "status": "firing"}})
    assert (info.value.field, info.value.message) == ("alerts", "must be a list, not an object")
