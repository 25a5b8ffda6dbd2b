"""The time formats monitoring tools send, read as aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ingest.adapters.times import parse_epoch, parse_rfc3339


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-14T10:02:11Z", datetime(2026, 3, 14, 10, 2, 11, tzinfo=UTC)),
        # Alertmanager: nanoseconds and the offset Prometheus runs in
        (
            "2026-03-14T11:58:30.512345678+01:00",
            datetime(2026, 3, 14, 10, 58, 30, 512345, tzinfo=UTC),
        ),
        # Azure: .NET's 7-digit fractions
        ("2026-03-14T10:02:11.4127730Z", datetime(2026, 3, 14, 10, 2, 11, 412773, tzinfo=UTC)),
        # PagerDuty examples and CloudWatch: no colon in the offset
        ("2015-07-17T08:42:58.315+0000", datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC)),
        ("2026-03-14T05:30:00-04:30", datetime(2026, 3, 14, 10, 0, tzinfo=UTC)),
        # across midnight and a year boundary
        ("2026-01-01T01:00:00+05:30", datetime(2025, 12, 31, 19, 30, tzinfo=UTC)),
        ("2026-03-14t10:02:11z", datetime(2026, 3, 14, 10, 2, 11, tzinfo=UTC)),
        ("2026-03-14 10:02:11+00:00", datetime(2026, 3, 14, 10, 2, 11, tzinfo=UTC)),
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_rfc3339_times_become_utc(text: str, expected: datetime) -> None:
    parsed = parse_rfc3339(text)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() is not None
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000+00:00"])
def test_go_zero_time_means_no_time(text: str) -> None:
    assert parse_rfc3339(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-14",
        "2026-03-14T10:02",
        "2026-W11-6T10:02:11Z",
        "20260314T100211Z",
        "3/22/2019 1:36:31 PM",
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-03-14T25:00:00Z",
        "2026-03-14T10:00:00+24:00",
        "yesterday",
        "",
    ],
)
def test_malformed_times_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_rfc3339(text)


def test_a_time_without_offset_is_refused_unless_documented_as_utc() -> None:
    with pytest.raises(ValueError, match="offset"):
        parse_rfc3339("2026-03-14T10:02:11.4127730")
    assert parse_rfc3339("2026-03-14T10:02:11.4127730", naive_is_utc=True) == datetime(
        2026, 3, 14, 10, 2, 11, 412773, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "value",
    [1773482531000, "1773482531000", 1773482531, "1773482531", 1773482531.0, " 1773482531000 "],
)
def test_epoch_seconds_and_milliseconds(value: int | float | str) -> None:
    assert parse_epoch(value) == datetime(2026, 3, 14, 10, 2, 11, tzinfo=UTC)


@pytest.mark.parametrize("value", ["", "soon", "-5", True, float("nan"), "1e400"])
def test_bad_epochs_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="epoch"):
        parse_epoch(value)
