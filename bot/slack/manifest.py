"""The Slack app manifest for a crebot deployment."""

from __future__ import annotations

from typing import Any

import yaml

from bot.slack.ids import COMMAND, DECLARE_SHORTCUT

BOT_SCOPES = [
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:manage",
    "channels:read",
    "channels:join",
    "groups:write",
    "groups:read",
    "im:write",
    "pins:write",
    "bookmarks:write",
    "reactions:read",
    "users:read",
    "usergroups:read",
    "files:write",
]
BOT_EVENTS = ["app_home_opened", "reaction_added", "member_joined_channel"]


def manifest(url: str | None, *, socket_mode: bool = False, name: str = "crebot") -> dict[str, Any]:
    endpoint = f"{url.rstrip('/')}/slack/events" if url else None
    command: dict[str, Any] = {
        "command": COMMAND,
        "description": "Customer reliability incidents (try /cre help)",
        "usage_hint": (
            "declare | list | status | ack | note | mitigate | resolve | review | "
            "postmortem | action | report | platform | help"
        ),
        "should_escape": False,
    }
    events: dict[str, Any] = {"bot_events": BOT_EVENTS}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if endpoint and not socket_mode:
        command["url"] = endpoint
        events["request_url"] = endpoint
        interactivity["request_url"] = endpoint
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": "Tenant-level incident response for Customer Reliability Engineering",
            "background_color": "#2c3e50",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": False,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
            "shortcuts": [
                {
                    "name": "Declare CRE incident",
                    "type": "message",
                    "callback_id": DECLARE_SHORTCUT,
                    "description": "Open the CRE intake from this message",
                }
            ],
        },
        "oauth_config": {"scopes": {"bot": BOT_SCOPES}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(url: str | None, *, socket_mode: bool = False) -> str:
    return yaml.safe_dump(manifest(url, socket_mode=socket_mode), sort_keys=False)
