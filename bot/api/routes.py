"""`/api/incidents` and `/api/tenants`: the read side of the JSON API (Bearer CREBOT_API_TOKEN).

Each handler checks the token, validates its parameters, reads in one short session and
renders with bot.api.serialize. Bad parameters are a 422 naming the field, an unknown id 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request

from bot.api import queries, serialize
from bot.errors import NotFound
from bot.http.auth import check_token
from bot.incidents.models import Incident
from bot.tenants.service import key_tenants

if TYPE_CHECKING:
    from bot.runtime import Runtime

router = APIRouter(prefix="/api", tags=["api"])


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    check_token(request, runtime.settings.api_token, allow_query=False, what="API calls")
    return runtime


@router.get("/incidents")
async def list_incidents(
    request: Request,
    status: str | None = None,
    tenant: str | None = None,
    limit: str | None = None,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Incidents newest first. `status=open` means not yet resolved; `cursor` continues a list
    from its `next_cursor`."""
    runtime = _runtime(request)
    query = queries.parse_query(status, tenant, limit, cursor)
    async with runtime.sessions() as session:
        incidents, next_cursor = await queries.page(session, query)
        escalations = await serialize.fired_escalations(session, [i.id for i in incidents])
    return {
        "incidents": [
            serialize.incident_summary(incident, escalations.get(incident.id, []))
            for incident in incidents
        ],
        "next_cursor": next_cursor,
    }


@router.get("/incidents/{incident_id}")
async def get_incident(request: Request, incident_id: str) -> dict[str, Any]:
    """One incident with its alerts, intake, customer messages and timeline."""
    runtime = _runtime(request)
    if not incident_id.isdigit() or len(incident_id) > 18:
        raise NotFound(f"there is no incident {incident_id[:40]!r}")
    async with runtime.sessions() as session:
        incident = await session.get(Incident, int(incident_id))
        if incident is None:
            raise NotFound(f"there is no incident {incident_id}")
        return await serialize.incident_detail(session, incident)


@router.get("/tenants")
async def list_tenants(request: Request) -> dict[str, Any]:
    """The key tenants of crebot.yaml, so monitoring tools can label alerts by the same ids."""
    runtime = _runtime(request)
    async with runtime.sessions() as session:
        tenants = await key_tenants(session)
    return {"tenants": [serialize.tenant_summary(tenant) for tenant in tenants]}
