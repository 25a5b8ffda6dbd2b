"""Rate limits and injected faults in the Slack fake, met by slack_sdk's own retry handlers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import FakeClock
from tests.fakes.slack import SlackFake

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
QUICK = FixedValueRetryIntervalCalculator(0.01)


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[SlackFake]:
    with SlackFake(clock=clock) as fake:
        yield fake
    assert fake.crashes == []


def client_for(fake: SlackFake, *handlers: Any, timeout: int = 30) -> AsyncWebClient:
    # retry_handlers replaces the SDK's default list, so [] means "no retries at all".
    return AsyncWebClient(
        base_url=fake.url, token=fake.bot_token, retry_handlers=list(handlers), timeout=timeout
    )


async def rejected(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        await call
    return info.value


# rate limits ---------------------------------------------------------------------------


async def test_429_has_an_integer_retry_after_until_the_window_frees(
    fake: SlackFake, clock: FakeClock
) -> None:
    client = client_for(fake)
    fake.set_rate_limit("conversations.create", per_minute=2)
    await client.conversations_create(name="inc-a")
    clock.advance(10)
    await client.conversations_create(name="inc-b")
    clock.advance(9.5)
    error = await rejected(client.conversations_create(name="inc-c"))
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "41"  # the first call leaves at t=60
    assert error.response["error"] == "ratelimited"
    with pytest.raises(KeyError):
        fake.channel_by_name("inc-c")  # a limited call changes nothing
    clock.advance(40.5)
    await client.conversations_create(name="inc-c")
    assert [c.status for c in fake.calls_to("conversations.create")] == [200, 200, 429, 200]


async def test_rate_limit_retry_handler_succeeds_after_retry_after() -> None:
    # Real clock: the handler really sleeps Retry-After (1 s) plus up to 1 s of jitter.
    with SlackFake() as fake:
        fake.set_rate_limit("conversations.create", per_minute=1, retry_after=1)
        client = client_for(fake, AsyncRateLimitErrorRetryHandler(max_retry_count=2))
        await client.conversations_create(name="inc-first")
        created = await client.conversations_create(name="inc-second")
        assert created["channel"]["name"] == "inc-second"
        statuses = [c.status for c in fake.calls_to("conversations.create")]
        assert statuses == [200, 429, 200]
        assert fake.calls_to("conversations.create")[1].response == {
            "ok": False,
            "error": "ratelimited",
        }


async def test_post_message_is_limited_per_channel(fake: SlackFake, clock: FakeClock) -> None:
    client = client_for(fake)
    fake.set_channel_rate_limit(1.0, burst=2)
    busy, quiet = fake.add_channel("inc-busy"), fake.add_channel("inc-quiet")
    await client.chat_postMessage(channel=busy, text="1")
    await client.chat_postMessage(channel=busy, text="2")
    error = await rejected(client.chat_postMessage(channel=busy, text="3"))
    assert error.response.status_code == 429 and error.response.headers["Retry-After"] == "1"
    await client.chat_postMessage(channel=quiet, text="other channels are fine")
    clock.advance(1)
    await client.chat_postMessage(channel=busy, text="3")
    assert [m["text"] for m in fake.messages(busy)] == ["1", "2", "3"]  # no message from the 429


async def test_slack_tiers_when_asked(clock: FakeClock) -> None:
    with SlackFake(clock=clock, rate_limits=True) as fake:
        client = client_for(fake)
        for n in range(20):  # Tier 2
            await client.conversations_create(name=f"inc-{n}")
        error = await rejected(client.conversations_create(name="inc-20"))
        assert error.response.status_code == 429
        assert int(error.response.headers["Retry-After"]) >= 1
        channel_id = fake.channel_by_name("inc-0")["id"]
        for n in range(3):  # the burst allowance
            await client.chat_postMessage(channel=channel_id, text=str(n))
        error = await rejected(client.chat_postMessage(channel=channel_id, text="too fast"))
        assert error.response.status_code == 429


# faults --------------------------------------------------------------------------------


async def test_injected_error_code_changes_nothing(fake: SlackFake) -> None:
    client = client_for(fake)
    fake.fail("conversations.create", error="fatal_error")
    error = await rejected(client.conversations_create(name="inc-x"))
    assert error.response.status_code == 200 and error.response["error"] == "fatal_error"
    await client.conversations_create(name="inc-x")  # not name_taken: the failure stored nothing


async def test_server_error_then_success_with_the_retry_handler(fake: SlackFake) -> None:
    channel_id = fake.add_channel("inc-5xx")
    fake.fail("chat.postMessage", status=500)
    client = client_for(fake, AsyncServerErrorRetryHandler(interval_calculator=QUICK))
    await client.chat_postMessage(channel=channel_id, text="after a 500")
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [500, 200]
    assert [m["text"] for m in fake.messages(channel_id)] == ["after a 500"]


async def test_server_error_without_retries(fake: SlackFake) -> None:
    fake.fail("*", status=502, times=None)
    error = await rejected(client_for(fake).auth_test())
    assert error.response.status_code == 502
    fake.clear_faults()
    assert (await client_for(fake).auth_test())["ok"]


async def test_dropped_connection(fake: SlackFake) -> None:
    fake.fail("auth.test", drop=True, times=2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await client_for(fake).auth_test()
    retrying = client_for(fake, AsyncConnectionErrorRetryHandler(interval_calculator=QUICK))
    assert (await retrying.auth_test())["ok"]
    assert [(c.status, c.error) for c in fake.calls_to("auth.test")] == [
        (0, "connection_dropped"),
        (0, "connection_dropped"),
        (200, None),
    ]


async def test_slow_answer_after_the_work_was_done(fake: SlackFake) -> None:
    channel_id = fake.add_channel("inc-slow")
    fake.fail("chat.postMessage", delay=3)
    with pytest.raises(TimeoutError):
        await client_for(fake, timeout=1).chat_postMessage(channel=channel_id, text="late")
    # The classic trap: the client timed out, yet Slack posted the message.
    assert [m["text"] for m in fake.messages(channel_id)] == ["late"]


async def test_outage(fake: SlackFake) -> None:
    client = client_for(fake)
    with fake.outage():
        error = await rejected(client.auth_test())
        assert error.response.status_code == 503
    fake.set_outage(True, drop=True)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await client.auth_test()
    fake.set_outage(False)
    assert (await client.auth_test())["ok"]


def test_sync_client_sees_the_same_faults(fake: SlackFake) -> None:
    client = WebClient(base_url=fake.url, token=fake.bot_token, retry_handlers=[])
    fake.fail("auth.test", status=503)
    with pytest.raises(SlackApiError) as info:
        client.auth_test()
    assert info.value.response.status_code == 503
    fake.set_rate_limit("auth.test", per_minute=1)
    client.auth_test()
    with pytest.raises(SlackApiError) as info:
        client.auth_test()
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "60"
