"""Fixtures shared by the Slack fake's own tests (the session-wide conftest already clears
proxy variables, which aiohttp would otherwise use even for loopback calls)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import SlackFake
from tests.fakes.slack.standin_bot import SIGNING_SECRET, StandinBot, build_standin_bot
from tests.fakes.slack_user import SlackUser

ALICE = "U0ALICE"


@pytest.fixture
def fake() -> Iterator[SlackFake]:
    with SlackFake() as fake:  # real clock: Bolt checks timestamps against real time
        yield fake
    assert fake.crashes == []


@pytest.fixture
def client(fake: SlackFake) -> AsyncWebClient:
    return AsyncWebClient(base_url=fake.url, token=fake.bot_token)


@pytest.fixture
def sync_client(fake: SlackFake) -> WebClient:
    return WebClient(base_url=fake.url, token=fake.bot_token)


@pytest.fixture
def bot(fake: SlackFake) -> StandinBot:
    return build_standin_bot(fake)


@pytest.fixture
async def user(fake: SlackFake, bot: StandinBot) -> AsyncIterator[SlackUser]:
    transport = httpx.ASGITransport(app=bot.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        yield SlackUser(fake, http, signing_secret=SIGNING_SECRET, user_id=ALICE)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
