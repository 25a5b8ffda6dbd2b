"""How figures read: durations, shares and changes, the same in Markdown, Slack and CSV."""

from __future__ import annotations

from datetime import datetime, timedelta


def duration(value: timedelta | None) -> str:
    """45s, 12m 30s, 1h 05m, 2d 03h; "–" for no value."""
    if value is None:
        return "–"
    seconds = round(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours:02d}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"


def seconds(value: timedelta | None) -> float | None:
    """Whole seconds where the value is whole, for JSON and CSV."""
    if value is None:
        return None
    s = value.total_seconds()
    return int(s) if s == int(s) else round(s, 3)


def share(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def signed(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value != int(value):
        text = f"{abs(value):.1f}"
    else:
        text = f"{abs(int(value))}"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{text}{unit}"


def signed_duration(value: timedelta | None) -> str:
    if value is None:
        return "–"
    if value == timedelta(0):
        return "±0s"
    return ("+" if value > timedelta(0) else "−") + duration(abs(value))


def points(now: float | None, before: float | None) -> float | None:
    """The change of a share in percentage points."""
    if now is None or before is None:
        return None
    return round((now - before) * 100, 1)


def minutes(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def utc(when: datetime | None) -> str:
    return "–" if when is None else when.strftime("%Y-%m-%d %H:%M UTC")


def difference(now: timedelta | None, before: timedelta | None) -> timedelta | None:
    if now is None or before is None:
        return None
    return now - before
