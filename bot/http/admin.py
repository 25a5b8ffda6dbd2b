"""Operator endpoints: reload the configuration without a restart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request

from bot.features import Feature
from bot.http.auth import check_token
from bot.tenants.service import sync_tenants

if TYPE_CHECKING:
    from bot.runtime import Runtime

router = APIRouter()


@router.post("/api/config/reload")
async def reload_config(request: Request) -> dict[str, object]:
    runtime = request.app.state.runtime
    check_token(request, runtime.settings.api_token, allow_query=False, what="API calls")
    await apply_reload(runtime)
    domain = runtime.domain
    return {
        "reloaded": True,
        "config": str(domain.config_path),
        "tenants": len(domain.config.tenants),
        "playbooks": len(domain.playbooks),
    }


async def apply_reload(runtime: Runtime) -> None:
    """Reload files (ConfigError keeps the old ones) and bring the tenants table in step."""
    domain = runtime.domain_holder.reload()
    runtime.metrics.config_generation.set(runtime.domain_holder.generation)
    async with runtime.sessions() as session:
        await sync_tenants(session, domain.config, runtime.clock.now())
        await session.commit()


def feature() -> Feature:
    return Feature("admin", routers=(router,))
