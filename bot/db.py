"""Database plumbing: the declarative base, an aware-UTC datetime type, engines and sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

# The naming convention SQLAlchemy documents, so constraint names are identical on SQLite and
# PostgreSQL and migrations never depend on a database's own generated names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, on every database.

    SQLite has no timezone type, so naive values are refused on the way in (they are bugs)
    and UTC is stamped on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} refused: use aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class JSONType(TypeDecorator[Any]):
    """JSON on every database, JSONB on PostgreSQL (compact, indexable).

    A named type rather than `with_variant`, so migrations render it as one short call.
    """

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


def _url(url: str | URL) -> URL:
    return make_url(url) if isinstance(url, str) else url


def async_url(url: str | URL) -> URL:
    """The async-driver form of a user's URL: sqlite -> aiosqlite, postgresql -> psycopg 3."""
    u = _url(url)
    if u.get_backend_name() == "sqlite":
        return u.set(drivername="sqlite+aiosqlite")
    if u.get_backend_name() == "postgresql":
        return u.set(drivername="postgresql+psycopg")
    return u


def sync_url(url: str | URL) -> URL:
    """The sync-driver form, for Alembic and the CLI."""
    u = _url(url)
    if u.get_backend_name() == "sqlite":
        return u.set(drivername="sqlite")
    if u.get_backend_name() == "postgresql":
        return u.set(drivername="postgresql+psycopg")
    return u


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine_for(url: str | URL, **kwargs: Any) -> AsyncEngine:
    u = async_url(url)
    if u.get_backend_name() == "sqlite":
        # One file, one process: a pool adds nothing and keeps files open after tests.
        kwargs.setdefault("poolclass", NullPool)
        engine = create_async_engine(u, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if u.database and u.database != ":memory:":
            event.listen(engine.sync_engine, "connect", _sqlite_wal)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(u, **kwargs)


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    async with sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"
