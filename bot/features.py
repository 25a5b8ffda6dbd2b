"""The features crebot is made of, each contributing routes, Slack listeners and outbox
handlers. The app factory wires whatever is listed here; nothing registers itself on import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import APIRouter

from bot.outbox.worker import Handler

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.slack.app import ListenerSetup


@dataclass(frozen=True)
class Feature:
    name: str
    routers: tuple[APIRouter, ...] = ()
    slack: ListenerSetup | None = None
    outbox: Callable[[Runtime], dict[str, Handler]] | None = None
    on_start: tuple[Callable[[Runtime], object], ...] = field(default=())


def all_features() -> list[Feature]:
    from bot.api import feature as api
    from bot.http.admin import feature as admin
    from bot.ingest.route import feature as ingest
    from bot.scheduler import feature as clock
    from bot.slack.intake_actions import feature as intake
    from bot.slack.notify_actions import feature as notifications
    from bot.slack.resolve_actions import feature as resolution
    from bot.slack.room import feature as room
    from bot.slack.storm_actions import feature as storm

    return [
        admin(),
        ingest(),
        api(),
        clock(),
        room(),
        intake(),
        resolution(),
        notifications(),
        storm(),
    ]
