"""Wall-clock times in a timezone, to and from UTC, safely across daylight-saving changes.

People enter times as they read them on a clock in some place ("14:05 in London"). Stored
times are UTC; the zone the person chose is kept beside them. Two wall-clock times need care:

- a time in the spring-forward gap (01:30 on the last Sunday of March in London) never
  happened, so it is refused with a message that says why, rather than silently moved;
- a time in the autumn overlap (01:30 on the last Sunday of October) happened twice. The
  first occurrence is meant unless the caller says otherwise; `resolve_window` takes the
  second for an end that would otherwise fall before its start.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ValidationFailed

# Offered in the modal's timezone menu, besides every tenant's own zone. Slack caps a static
# menu at 100 options; this list stays well below.
COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Perth",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "America/Halifax",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)
MAX_ZONES = 100


class NonexistentLocalTime(ValidationFailed):
    """A wall-clock time skipped by a daylight-saving change."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(f"unknown timezone {name!r}", "timezone") from None


def timezone_choices(*preferred: str | None) -> list[str]:
    """Zones for a menu: the preferred ones first (the tenant's), then the common ones."""
    names = [p for p in preferred if p] + list(COMMON_ZONES)
    return list(dict.fromkeys(names))[:MAX_ZONES]


def is_ambiguous(day: date, at: time, tz: ZoneInfo) -> bool:
    naive = datetime.combine(day, at)
    return (
        naive.replace(tzinfo=tz, fold=0).utcoffset() != naive.replace(tzinfo=tz, fold=1).utcoffset()
    )


def local_to_utc(day: date, at: time, tz: ZoneInfo, *, later: bool = False) -> datetime:
    """The UTC instant a clock in `tz` showed at `day` `at`.

    Raises NonexistentLocalTime for a time skipped by the clocks going forward. For a time
    the clocks showed twice, `later` picks the second occurrence.
    """
    naive = datetime.combine(day, at.replace(tzinfo=None))
    first = naive.replace(tzinfo=tz, fold=0)
    # A skipped time does not survive a round trip through UTC: it comes back shifted.
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        before = (first - timedelta(hours=1)).astimezone(tz)
        after = first.astimezone(UTC).astimezone(tz)
        raise NonexistentLocalTime(
            f"{at:%H:%M} did not happen on {day:%d %b %Y} in {tz.key}: the clocks went "
            f"forward ({before.tzname()} to {after.tzname()}). Pick a time before or after."
        )
    chosen = naive.replace(tzinfo=tz, fold=1) if later else first
    return chosen.astimezone(UTC)


def resolve_end(start: datetime, day: date, at: time, tz: ZoneInfo) -> datetime:
    """An impact end as a wall-clock time: in the autumn overlap, the occurrence that makes
    the window run forwards (01:50 BST to 01:10 GMT is 20 minutes, not minus 40)."""
    end = local_to_utc(day, at, tz)
    if end < start and is_ambiguous(day, at, tz):
        end = local_to_utc(day, at, tz, later=True)
    return end


def to_local(when: datetime, tz_name: str | None) -> datetime:
    tz = zone(tz_name) if tz_name else ZoneInfo("UTC")
    return when.astimezone(tz)


def local_date_time(when: datetime | None, tz_name: str | None) -> tuple[str | None, str | None]:
    """("YYYY-MM-DD", "HH:MM") as a clock in the zone showed `when` (for date/time pickers)."""
    if when is None:
        return None, None
    local = to_local(when, tz_name)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M")


def customer_time(when: datetime, tz_name: str | None) -> str:
    """How the customer reads a time: their tenant's zone, named (3 Mar 2025, 14:05 GMT)."""
    local = to_local(when, tz_name)
    return f"{local.day} {local:%b %Y, %H:%M} {local.tzname()}"
