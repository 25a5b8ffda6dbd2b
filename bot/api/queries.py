"""What the read API asks the database: filtered pages of incidents, newest first.

Paging is keyset on the id (`id < cursor`), not OFFSET: a page never repeats or skips an
incident because new ones opened meanwhile, and every page costs the same.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import ValidationFailed
from bot.incidents.models import Incident
from bot.incidents.states import ACTIVE, IncidentStatus

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_MAX_TENANT = 128


@dataclass(frozen=True)
class IncidentQuery:
    statuses: frozenset[IncidentStatus] | None = None
    tenant: str | None = None
    before_id: int | None = None
    limit: int = DEFAULT_LIMIT


def parse_query(
    status: str | None, tenant: str | None, limit: str | None, cursor: str | None
) -> IncidentQuery:
    """Validate the list's query parameters; a bad one is a ValidationFailed naming it."""
    statuses: frozenset[IncidentStatus] | None = None
    if status:
        if status == "open":  # CONTRACT: "open" means not yet resolved
            statuses = ACTIVE
        else:
            try:
                statuses = frozenset({IncidentStatus(status)})
            except ValueError:
                allowed = ", ".join(["open", *(s.value for s in IncidentStatus)])
                raise ValidationFailed(
                    f"unknown status {status[:40]!r}; use one of: {allowed}", "status"
                ) from None
    if tenant is not None and not 0 < len(tenant) <= _MAX_TENANT:
        raise ValidationFailed(f"must be 1 to {_MAX_TENANT} characters", "tenant")
    size = DEFAULT_LIMIT
    if limit is not None:
        if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
            raise ValidationFailed(f"must be a whole number from 1 to {MAX_LIMIT}", "limit")
        size = int(limit)
    before = decode_cursor(cursor) if cursor else None
    return IncidentQuery(statuses, tenant, before, size)


def encode_cursor(before_id: int) -> str:
    raw = json.dumps({"before": before_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor continues before. Opaque to clients: only what we made is accepted."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)["before"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise ValidationFailed("not a cursor this API gave out", "cursor") from None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationFailed("not a cursor this API gave out", "cursor")
    return value


async def page(
    session: AsyncSession, query: IncidentQuery
) -> tuple[Sequence[Incident], str | None]:
    """One page of incidents, newest first, and the cursor of the next page (None at the end)."""
    stmt = select(Incident).order_by(Incident.id.desc()).limit(query.limit + 1)
    if query.statuses is not None:
        stmt = stmt.where(Incident.status.in_(sorted(query.statuses)))
    if query.tenant is not None:
        stmt = stmt.where(Incident.tenant_id == query.tenant)
    if query.before_id is not None:
        stmt = stmt.where(Incident.id < query.before_id)
    rows = list((await session.scalars(stmt)).all())
    if len(rows) > query.limit:
        rows = rows[: query.limit]
        return rows, encode_cursor(rows[-1].id)
    return rows, None
