"""Keeping the tenants table in step with crebot.yaml."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.domain import DomainConfig
from bot.tenants.models import Tenant


async def sync_tenants(session: AsyncSession, config: DomainConfig, now: datetime) -> None:
    """Upsert every configured tenant as key; tenants no longer configured stop being key.

    Rows are never deleted: old incidents still refer to them.
    """
    existing = {t.id: t for t in (await session.scalars(select(Tenant))).all()}
    configured = set()
    for tc in config.tenants:
        configured.add(tc.id)
        row = existing.get(tc.id)
        if row is None:
            row = Tenant(id=tc.id)
            session.add(row)
        row.name = tc.name
        row.tier = tc.tier
        row.timezone = tc.timezone
        row.csams = list(tc.csams)
        row.customer_channel = tc.customer_channel
        row.is_key = True
        row.synced_at = now
    for tenant_id, row in existing.items():
        if tenant_id not in configured and row.is_key:
            row.is_key = False
            row.synced_at = now
    await session.flush()


async def key_tenants(session: AsyncSession) -> list[Tenant]:
    rows = await session.scalars(select(Tenant).where(Tenant.is_key).order_by(Tenant.id))
    return list(rows.all())
