"""Alembic environment: sync drivers, batch mode on SQLite, types compared."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

from bot.db import sync_url
from bot.models import metadata

config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get(
        "CREBOT_DATABASE_URL", "sqlite:///crebot.db"
    )
    return sync_url(url).render_as_string(hide_password=False)


def _configure(**kwargs: object) -> None:
    url = _url()
    context.configure(
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=url.startswith("sqlite"),
        **kwargs,  # type: ignore[arg-type]
    )


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
