"""Alembic, configured in code: no alembic.ini and no working-directory assumptions."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool

from bot.bundled import bundled
from bot.db import sync_url
from bot.models import metadata


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(bundled("migrations")))
    # '%' is ConfigParser interpolation syntax; URLs may contain it (encoded passwords).
    url = sync_url(database_url).render_as_string(hide_password=False)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def _engine(database_url: str) -> Any:
    return create_engine(sync_url(database_url), poolclass=pool.NullPool)


def current(database_url: str) -> str | None:
    engine = _engine(database_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def differences(database_url: str) -> list[Any]:
    """What autogenerate would change: empty when the models and the migrations agree."""
    engine = _engine(database_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(ctx, metadata))
    finally:
        engine.dispose()
