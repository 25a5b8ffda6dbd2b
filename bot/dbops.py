"""Small portable statements the services need on both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_ignore(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]] | dict[str, Any],
    conflict: Sequence[str],
) -> int:
    """INSERT … ON CONFLICT DO NOTHING; returns how many rows were actually inserted.

    Uniqueness that matters is enforced by the database, so concurrent deliveries can race
    freely: exactly one insert wins and the others become no-ops.
    """
    values = [rows] if isinstance(rows, dict) else list(rows)
    if not values:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = (
            postgresql.insert(table)
            .values(values)
            .on_conflict_do_nothing(index_elements=list(conflict))
        )
    elif dialect == "sqlite":
        stmt = (
            sqlite.insert(table)
            .values(values)
            .on_conflict_do_nothing(index_elements=list(conflict))
        )
    else:  # pragma: no cover - only the two supported databases
        raise NotImplementedError(dialect)
    # Count what RETURNING gives back: rowcount is not reliable for multi-row inserts.
    result = await session.execute(stmt.returning(*table.primary_key.columns))
    return len(result.all())
