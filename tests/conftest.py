"""Shared fixtures: databases on both backends, a fake clock, the app wired to the Slack fake."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FakeClock
from tests import dbsetup

REPO = Path(__file__).resolve().parent.parent
TEST_CONFIG = REPO / "tests" / "data" / "crebot.yaml"
PLAYBOOKS = REPO / "playbooks"

pytest_plugins = ["tests.harness"]


@pytest.fixture(autouse=True, scope="session")
def _no_proxies() -> None:
    # aiohttp (under slack_sdk) would send loopback calls to a proxy from the environment.
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ):
        os.environ.pop(name, None)


@pytest.fixture(scope="session")
def postgres_url() -> str | None:
    url = dbsetup.postgres_url()
    if url:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        url = dbsetup.per_worker(url, worker)
        dbsetup.reset_postgres_schema(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every database test runs on SQLite, and again on PostgreSQL when one is configured."""
    if request.param == "sqlite":
        yield dbsetup.create_sqlite(str(tmp_path / "crebot.db"))
        return
    url = request.getfixturevalue("postgres_url")
    if not url:
        pytest.skip(f"set {dbsetup.PG_ENV} to run this on PostgreSQL too")
    dbsetup.truncate_postgres(url)
    yield url


@pytest.fixture
def clock() -> FakeClock:
    # Real "now", so signatures the virtual Slack user makes are fresh for Bolt, which checks
    # them against the real time; tests then move this clock forward as they need.
    return FakeClock(datetime.now(UTC).replace(microsecond=0))
