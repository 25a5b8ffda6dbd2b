"""The migrations build the schema from empty, and agree with the models, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import migrate
from tests import dbsetup


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url = request.getfixturevalue("postgres_url")
    if not url:
        pytest.skip(f"set {dbsetup.PG_ENV} to run this on PostgreSQL too")
    from sqlalchemy import create_engine, text

    engine = create_engine(migrate.sync_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def test_upgrade_from_empty_to_head_and_models_agree(empty_database: str) -> None:
    assert migrate.current(empty_database) is None
    migrate.upgrade(empty_database)
    assert migrate.current(empty_database) == migrate.head()
    assert migrate.differences(empty_database) == []


def test_downgrade_to_base_and_back(empty_database: str) -> None:
    migrate.upgrade(empty_database)
    migrate.downgrade(empty_database, "base")
    assert migrate.current(empty_database) is None
    migrate.upgrade(empty_database)
    assert migrate.differences(empty_database) == []


def test_constraint_names_follow_the_convention(empty_database: str) -> None:
    from sqlalchemy import create_engine, inspect

    migrate.upgrade(empty_database)
    engine = create_engine(migrate.sync_url(empty_database))
    inspector = inspect(engine)
    uniques = {u["name"] for u in inspector.get_unique_constraints("incidents")}
    foreign = {f["name"] for f in inspector.get_foreign_keys("incidents")}
    engine.dispose()
    assert "uq_incidents_active_key" in uniques
    assert "fk_incidents_tenant_id_tenants" in foreign
