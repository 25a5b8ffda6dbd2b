"""Reading the time formats monitoring tools send, always ending in aware UTC datetimes.

Tools disagree (see WEBHOOK_NOTES.md): Alertmanager and Grafana send RFC 3339 with
nanoseconds and any offset, Azure sends .NET 7-digit fractions, PagerDuty examples use
`+0000` without a colon, Datadog sends epoch milliseconds as a string. `datetime.fromisoformat`
is too lenient for us (it takes bare dates and ISO week dates), so the grammar is spelled out.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import PlainValidator
from pydantic_core import PydanticCustomError

_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})"
    r"(?:\.(?P<frac>\d+))?"
    r"(?:(?P<z>[Zz])|(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2}))?"
)

# Epoch values above this are milliseconds: 1e11 seconds is the year 5138, while 1e11 ms is
# March 1973, long before any alert crebot will see.
_MS_THRESHOLD = 100_000_000_000


def parse_rfc3339(text: str, *, naive_is_utc: bool = False) -> datetime | None:
    """An RFC 3339 time as aware UTC, or None for Go's zero time (`0001-01-01T00:00:00Z`).

    Alertmanager and Grafana send the zero time as `endsAt` while an alert fires; it means
    "no end yet", not the year 1. `naive_is_utc` is for Azure, whose fields are documented as
    UTC and sometimes lack the `Z`. Raises ValueError with a short reason otherwise.
    """
    match = _RFC3339.fullmatch(text.strip())
    if match is None:
        raise ValueError("not an RFC 3339 time")
    if match["z"] is None and match["sign"] is None and not naive_is_utc:
        raise ValueError("an RFC 3339 time needs an offset (Z or +hh:mm)")
    if match["date"].startswith("0001-01-01"):
        return None
    second = min(int(match["s"]), 59)  # a leap second (60) is kept as :59
    micro = int((match["frac"] or "0")[:6].ljust(6, "0"))  # nanoseconds cut, not rounded
    offset = UTC
    if match["sign"] is not None:
        minutes = int(match["oh"]) * 60 + int(match["om"])
        if int(match["oh"]) > 23 or int(match["om"]) > 59:
            raise ValueError("not an RFC 3339 time: offset out of range")
        offset = timezone(timedelta(minutes=-minutes if match["sign"] == "-" else minutes))
    try:
        year, month, day = (int(part) for part in match["date"].split("-"))
        local = datetime(
            year, month, day, int(match["h"]), int(match["m"]), second, micro, tzinfo=offset
        )
        return local.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError("not an RFC 3339 time: a field is out of range") from None


def parse_epoch(value: object) -> datetime:
    """Epoch seconds or milliseconds (a number, or digits in a string) as aware UTC."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("not an epoch time")
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise ValueError("not an epoch time") from None
    else:
        number = float(value)
    if not number >= 0:  # also refuses NaN
        raise ValueError("not an epoch time: negative")
    if number >= _MS_THRESHOLD:
        number /= 1000
    try:
        return datetime.fromtimestamp(number, UTC)
    except (ValueError, OverflowError, OSError):
        raise ValueError("not an epoch time: out of range") from None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _time_validator(*, naive_is_utc: bool) -> PlainValidator:
    def validate(value: Any) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise PydanticCustomError(
                "rfc3339", "not an RFC 3339 time (got {got})", {"got": _shown(value)}
            )
        try:
            return parse_rfc3339(value, naive_is_utc=naive_is_utc)
        except ValueError as exc:
            raise PydanticCustomError(
                "rfc3339", "{reason} (got {got})", {"reason": str(exc), "got": _shown(value)}
            ) from None

    return PlainValidator(validate)


# Model field types: a string holding an RFC 3339 time, or null. None also stands for Go's
# zero time. The error names the field through pydantic's location.
Rfc3339 = Annotated[datetime | None, _time_validator(naive_is_utc=False)]
AzureTime = Annotated[datetime | None, _time_validator(naive_is_utc=True)]
