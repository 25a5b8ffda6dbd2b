"""The app under test, wired to the Slack fake exactly as in production.

`harness` starts a SlackFake on 127.0.0.1, points SLACK_API_URL at it, builds the real app
with a fake clock and no background tasks, and drives it over ASGI with signed requests from
a virtual Slack user. Outbox work runs when a test calls `await h.drain()`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bot.clock import FakeClock, SystemClock
from bot.config.settings import Settings
from bot.main import create_app
from bot.runtime import Runtime
from tests.fakes.slack import SlackFake
from tests.fakes.slack_user import SlackUser

REPO = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
WEBHOOK_TOKEN = "test-webhook-token"
API_TOKEN = "test-api-token"

# Slack objects the test configuration refers to.
USERGROUPS = {
    "S0CREONCALL1": ["U0ONCALL1", "U0ONCALL2"],
    "S0CREONCALL2": ["U0SECONDARY"],
    "S0CRELEADS": ["U0LEAD1"],
    "S0IDENTITY": ["U0IDENT1", "U0IDENT2"],
    "S0APIPLAT": ["U0API1"],
    "S0DATAPLAT": ["U0DATA1"],
    "S0POLICY": ["U0POLICY1"],
    "S0ENDPOINT": ["U0ENDPOINT1"],
    "S0EDGE": ["U0EDGE1"],
    "S0PRODUCT": ["U0PRODUCT1"],
}
CHANNELS = {
    "C0SUPPORT": "support",
    "C0CRETRIAGE": "cre-triage",
    "C0IDENTITY": "team-identity",
    "C0APIPLAT": "team-api-platform",
    "C0DATAPLAT": "team-data-platform",
    "C0POLICY": "team-policy",
    "C0ENDPOINT": "team-endpoint",
    "C0EDGE": "team-edge",
    "C0PRODUCT": "team-product",
    "C0CONTOSOEXT": "ext-contoso",
}


def seed_slack(fake: SlackFake) -> None:
    for group, users in USERGROUPS.items():
        fake.add_usergroup(group, users=users)
    for channel_id, name in CHANNELS.items():
        fake.add_channel(name, id=channel_id)


def make_settings(database_url: str, slack_url: str | None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "config_path": REPO / "tests" / "data" / "crebot.yaml",
        "playbooks_dir": REPO / "playbooks",
        "webhook_token": WEBHOOK_TOKEN,
        "api_token": API_TOKEN,
    }
    if slack_url is not None:
        values |= {
            "slack_bot_token": "xoxb-fake",
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": slack_url,
        }
    values |= overrides
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def settle() -> None:
    """Wait for Bolt's listeners to finish.

    Bolt answers Slack as soon as a listener calls ack() and runs the rest of the listener as
    an asyncio task, as in production; tests wait for those tasks rather than for time. The
    tasks are recognised by the coroutine Bolt runs them in (`run_ack_function_asynchronously`).
    """
    me = asyncio.current_task()
    for _ in range(50):
        pending = [
            t
            for t in asyncio.all_tasks()
            if t is not me
            and not t.done()
            and "run_ack_function" in getattr(t.get_coro(), "__qualname__", "")
        ]
        if not pending:
            return
        await asyncio.gather(*pending, return_exceptions=True)


@dataclass
class Harness:
    app: FastAPI
    runtime: Runtime
    http: httpx.AsyncClient
    slack: SlackFake
    clock: FakeClock
    users: dict[str, SlackUser] = field(default_factory=dict)

    def user(self, user_id: str = "U0ONCALL1") -> SlackUser:
        if user_id not in self.users:
            # Bolt checks request timestamps against the real time, whatever the fake clock
            # says, so the virtual user signs with the system clock.
            self.users[user_id] = SlackUser(
                self.slack,
                self.http,
                signing_secret=SIGNING_SECRET,
                user_id=user_id,
                clock=SystemClock(),
            )
        return self.users[user_id]

    async def settle(self) -> None:
        await settle()

    async def drain(self) -> int:
        """Run every outbox operation that is due now."""
        return await self.runtime.outbox.drain()

    def webhook_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}

    def api_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {API_TOKEN}"}


@asynccontextmanager
async def running_app(
    database_url: str,
    clock: FakeClock,
    *,
    slack: SlackFake | None,
    **overrides: Any,
) -> AsyncIterator[tuple[FastAPI, Runtime, httpx.AsyncClient]]:
    """The real app with its lifespan running, reached over ASGI (no socket needed)."""
    settings = make_settings(database_url, slack.url if slack else None, **overrides)
    app = create_app(settings, clock=clock, migrate=False, background=False)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=app)
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://crebot.test")
        )
        yield app, app.state.runtime, http


@pytest.fixture
def slack_fake(clock: FakeClock) -> Iterator[SlackFake]:
    fake = SlackFake(clock=clock)
    fake.start()
    seed_slack(fake)
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
async def harness(
    database_url: str, clock: FakeClock, slack_fake: SlackFake
) -> AsyncIterator[Harness]:
    async with running_app(database_url, clock, slack=slack_fake) as (app, runtime, http):
        yield Harness(app, runtime, http, slack_fake, clock)
