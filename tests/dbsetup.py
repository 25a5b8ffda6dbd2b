"""Test databases: a fresh SQLite file per test, and PostgreSQL when the suite is given one.

PostgreSQL is migrated once per session with the real `alembic upgrade head`, then emptied
between tests with TRUNCATE (the app commits, so a rolled-back outer transaction would not
isolate anything).
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot import migrate
from bot.db import sync_url
from bot.models import metadata

PG_ENV = "CREBOT_TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    """The PostgreSQL URL to test against, or None. Under CI it must be there and answer."""
    url = os.environ.get(PG_ENV)
    in_ci = os.environ.get("CI", "").lower() == "true"
    if not url:
        if in_ci:
            pytest.fail(f"CI=true but {PG_ENV} is not set: the PostgreSQL tests must run in CI")
        return None
    try:
        engine = create_engine(sync_url(url), poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        if in_ci:
            pytest.fail(f"PostgreSQL at {make_url(url).render_as_string()} is unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    return url


def per_worker(url: str, worker: str) -> str:
    """Under pytest-xdist each worker gets its own database beside the one given, created
    on first use, so workers never empty each other's tables."""
    if worker in ("", "master"):
        return url
    base = make_url(sync_url(url))
    name = f"{base.database}_{worker}"
    admin = create_engine(
        base.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def reset_postgres_schema(url: str) -> None:
    """Drop everything and migrate from empty to head: the real migration path."""
    engine = create_engine(sync_url(url), poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(url)


def truncate_postgres(url: str) -> None:
    engine = create_engine(sync_url(url), poolclass=NullPool)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def create_sqlite(path: str) -> str:
    url = f"sqlite:///{path}"
    engine = create_engine(url, poolclass=NullPool)
    metadata.create_all(engine)
    engine.dispose()
    return url
