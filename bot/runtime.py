"""The running service's parts, built once by the app factory and shared by the edges."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config.holder import DomainHolder
from bot.config.loader import Domain
from bot.config.settings import Settings
from bot.metrics import Metrics

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.outbox.worker import OutboxWorker


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    domain_holder: DomainHolder
    metrics: Metrics
    outbox: OutboxWorker
    bolt: AsyncApp | None = None
    slack_client: AsyncWebClient | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def domain(self) -> Domain:
        return self.domain_holder.current

    def wake_outbox(self) -> None:
        self.outbox.wake()
