"""The one way crebot makes Slack Web API clients: base URL and retry handlers set once."""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config.settings import Settings


def make_client(settings: Settings, *, wait_on_rate_limit: bool = True) -> AsyncWebClient:
    """A client for `settings.slack_api_url` with retries for connection and server errors.

    Listeners wait out a 429 in place (a user is looking at a spinner). The outbox worker
    passes `wait_on_rate_limit=False`: it records the Retry-After on the row and moves on,
    so one rate-limited method does not hold up the others.
    """
    handlers: list[AsyncRetryHandler] = [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]
    if wait_on_rate_limit:
        handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token, base_url=settings.slack_api_url, retry_handlers=handlers, timeout=15
    )
