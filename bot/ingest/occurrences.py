"""What one alert occurrence is, as the `occurrence` column of the alerts table spells it.

CONTRACT: one occurrence is source + dedup key + start time. The unique constraint
(source, dedup_key, occurrence) then makes a redelivery a no-op, decided by the database.

Sources without a start time (PagerDuty events, Datadog, a generic alert without
`starts_at`) mean "the dedup key while that occurrence is open". That is spelt with the
constant OPEN while the occurrence fires, so the same unique constraint also allows only one
open occurrence per dedup key, even for two deliveries racing each other; no lookup comes
before the insert. When it resolves, the row is renamed to `closed_key(...)` (receipt time
and row id, so always unique), which frees OPEN for the next occurrence of that key.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ingest.alert import Alert

OPEN = "open"


def occurrence_key(alert: Alert) -> str:
    """The occurrence a firing (or resolved) alert names: its start, else OPEN."""
    if alert.starts_at is None:
        return OPEN
    return start_key(alert.starts_at)


def start_key(starts_at: datetime) -> str:
    # A fixed-width UTC form, so the same instant sent with another offset is the same key.
    return starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def closed_key(received_at: datetime, row_id: int) -> str:
    """The name an OPEN occurrence takes once it resolves (at most 40 characters)."""
    return f"r{received_at.astimezone(UTC):%Y%m%dT%H%M%S.%f}#{row_id}"
