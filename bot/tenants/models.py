from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, JSONType, UTCDateTime


class Tenant(Base):
    """A tenant crebot has heard of. `is_key` is true while crebot.yaml lists it."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(64), default="standard")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    csams: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    customer_channel: Mapped[str | None] = mapped_column(String(32))
    is_key: Mapped[bool] = mapped_column(Boolean, default=True)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime())
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
