"""`crebot report [--since 30d] [--until DATE] [--tenant ID] [--format md|json|csv]`: the
reliability report straight from the database named by CREBOT_DATABASE_URL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time

from bot.clock import Clock, SystemClock
from bot.config.domain import parse_duration
from bot.db import create_engine_for, make_sessionmaker
from bot.reports import FORMATS, render
from bot.reports.report import Period, Report, generate


def parse_when(value: str, what: str) -> datetime:
    """A date (midnight UTC) or an RFC 3339 time with its offset."""
    value = value.strip()
    try:
        return datetime.combine(date.fromisoformat(value), time(0, 0), tzinfo=UTC)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{what}: {value!r} is neither a date nor an RFC 3339 time") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{what}: give the time zone, e.g. {value}Z")
    return parsed.astimezone(UTC)


def period_for(since: str, until: str | None, now: datetime) -> Period:
    """`since` is a length back from `until` (30d, 2w is written 14d) or a start date."""
    end = parse_when(until, "--until") if until else now
    try:
        return Period.ending(end, parse_duration(since))
    except ValueError:
        start = parse_when(since, "--since")
    if start >= end:
        raise ValueError("--since must come before --until")
    return Period(start, end)


async def _report(database_url: str, period: Period, now: datetime, tenant: str | None) -> Report:
    engine = create_engine_for(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            report = await generate(session, period, now, tenant)
    finally:
        await engine.dispose()
    return report


def run(
    database_url: str,
    *,
    since: str = "30d",
    until: str | None = None,
    tenant: str | None = None,
    fmt: str = "md",
    clock: Clock | None = None,
) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"--format: use one of {', '.join(FORMATS)}")
    now = (clock or SystemClock()).now()
    period = period_for(since, until, now)
    report = asyncio.run(_report(database_url, period, now, tenant))
    return render(report, fmt)
