"""Configuration: the environment (Settings) and the domain file crebot.yaml (DomainConfig)."""

from bot.config.domain import DomainConfig, Duration, EscalationStep, TeamConfig, TenantConfig
from bot.config.settings import Settings

__all__ = ["DomainConfig", "Duration", "EscalationStep", "Settings", "TeamConfig", "TenantConfig"]
